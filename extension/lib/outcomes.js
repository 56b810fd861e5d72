// What to tell the user for each failure code of the crate (and Cloak's own),
// in the vault page, download notifications and the popup.

const MESSAGES = {
  not_cloak: 'This is not a Cloak file.',
  unsupported_version: 'This file was made by a newer version of Cloak. Update Cloak to open it.',
  malformed_header: 'This Cloak file is damaged (its header is malformed).',
  truncated: 'The file is incomplete (truncated). Download it again.',
  truncated_or_tampered: 'The file is incomplete or was modified. Download it again.',
  payload_tampered: 'The file was modified or corrupted; it cannot be trusted.',
  header_tampered: 'The file was modified or corrupted; it cannot be trusted.',
  trailing_data: 'The file has extra data at its end; it was modified.',
  bad_metadata: 'The file was modified or corrupted; it cannot be trusted.',
  locked: 'Cloak is locked. Unlock it, then try again.',
};

/**
 * The user-facing sentence for an error `{code, message}`. Wrong-key errors
 * keep the crate's own text, which names the key the file needs.
 */
export function describeFailure({ code, message }) {
  return (Object.hasOwn(MESSAGES, code) && MESSAGES[code]) || message || 'Something went wrong.';
}
