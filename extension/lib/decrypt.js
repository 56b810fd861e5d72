// Streaming decryption shared by Cloak's decrypting contexts (the vault page's
// worker and the download decrypter's worker). The crate opens the header
// (key unwrapped, commitment checked) before any content is looked at, so the
// caller can commit to replacing a download only then; plaintext is released
// only after it authenticated. A result counts as complete only once
// `decryptStream` resolved: callers MUST discard what they wrote on any throw.
import { Decryptor, VaultKey, openHeader } from './wasm/cloak.js';
import { hexToBytes } from './staging.js';
import { WebCryptoOpener } from './webcrypto-open.js';

export const MAGIC = Uint8Array.of(0x89, 0x43, 0x4c, 0x4f, 0x41, 0x4b, 0x0d, 0x0a);
// Header (≤ 65 536 bytes, FORMAT.md §2) + salt + commitment: openHeader never needs more.
const MAX_HEAD = 65_536 + 64;

/** True when `bytes` begin with the Cloak magic. */
export function hasMagic(bytes) {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

const vaultKeys = (keyHexes) => keyHexes.map((k) => VaultKey.fromBytes(hexToBytes(k)));

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The crate's verdict on an input that ended before its header opened (not_cloak, truncated, …). */
function shortInputError(head, keyHexes) {
  const dec = new Decryptor(vaultKeys(keyHexes));
  try {
    dec.push(head);
    dec.finish();
  } catch (err) {
    return err;
  } finally {
    dec.free();
  }
  return Object.assign(new Error('the file is truncated: it ends before the end of the encrypted data'), { code: 'truncated' });
}

/**
 * Reads until the header, salt and commitment opened with one of the keys;
 * returns `{opened, head, read}` (`head`: every byte read so far). Throws the
 * crate's errors (not_cloak, unsupported_version, wrong_key, header_tampered, …).
 */
async function readHeader(reader, keyHexes) {
  let head = new Uint8Array(0);
  let read = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw shortInputError(head, keyHexes);
    read += value.length;
    head = concat(head, value);
    const opened = openHeader(head, vaultKeys(keyHexes));
    if (opened) return { opened, head, read };
    if (head.length > MAX_HEAD) throw Object.assign(new Error('The Cloak header is malformed.'), { code: 'malformed_header' });
  }
}

/** Chunks opened with WebCrypto under the crate's stream rules; fed from the end of the header. */
async function webCryptoEngine(opened, sink) {
  // Each opened chunk goes straight to the sink, which gathers small writes.
  const opener = await WebCryptoOpener.create(opened, (bytes) => sink.write(bytes));
  return {
    start: (head) => opener.push(head.subarray(opened.headerLength)),
    push: (bytes) => opener.push(bytes),
    finish: () => opener.finish(),
    free() {},
  };
}

/** The crate's own engine throughout; fed from the first byte. */
function crateEngine(keyHexes, sink) {
  const dec = new Decryptor(vaultKeys(keyHexes));
  return {
    start: (head) => sink.write(dec.push(head)),
    push: (bytes) => sink.write(dec.push(bytes)),
    finish() {
      sink.write(dec.finish());
      return dec.metadata();
    },
    free: () => dec.free(),
  };
}

/**
 * Decrypts the byte stream `reader` (anything with a ReadableStreamDefaultReader's
 * `read()`) with the hex vault keys `keyHexes` into `sink` (`write(bytes)`).
 * Awaits `onHeader()` once the header opened, calls `onProgress(bytesRead)` as
 * it goes, and resolves to the authenticated metadata. Chunks are opened with
 * WebCrypto where the browser has it (`engine: 'reference'` forces the crate's
 * own engine); the crate opens the header and parses the metadata either way.
 */
export async function decryptStream(reader, keyHexes, sink, { onHeader = async () => {}, onProgress = () => {}, engine } = {}) {
  const { opened, head, read: headRead } = await readHeader(reader, keyHexes);
  await onHeader();
  const useWebCrypto = engine !== 'reference' && globalThis.crypto?.subtle;
  const dec = useWebCrypto ? await webCryptoEngine(opened, sink) : crateEngine(keyHexes, sink);
  try {
    let read = headRead;
    await dec.start(head);
    onProgress(read);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      read += value.length;
      await dec.push(value);
      onProgress(read);
    }
    return await dec.finish();
  } finally {
    dec.free();
  }
}
