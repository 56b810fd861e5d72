// Every runtime message between extension contexts has a declared type and a
// schema; receivers validate with `validate` before acting.

export const MSG = Object.freeze({
  // content script -> background
  PAIR_FRAME: 'pair-frame',
  TAKE_BYPASS: 'take-bypass',
  // crypto frame -> background
  CLAIM_PAIRING: 'claim-pairing',
  VAULT_KEY: 'vault-key',
  REQUEST_UNLOCK: 'request-unlock',
  RECORD_OP: 'record-op',
  // extension pages -> background
  TAB_STATUS: 'tab-status',
  SET_SITE: 'set-site',
  LOCK: 'lock',
  UNLOCKED: 'unlocked',
  GRANT_BYPASS: 'grant-bypass',
  // background -> a tab's content script (the bridge checks it by hand: it
  // cannot import this module)
  STATUS_PING: 'status-ping',
  // background -> Chromium's offscreen document (download decrypter)
  DOWNLOAD_DECRYPT: 'download-decrypt',
  DOWNLOAD_RELEASE: 'download-release',
  // offscreen document -> background
  DOWNLOAD_KEYS: 'download-keys',
  DOWNLOAD_EVENT: 'download-event',
});

const SCHEMAS = {
  [MSG.PAIR_FRAME]: {},
  [MSG.TAKE_BYPASS]: {},
  [MSG.CLAIM_PAIRING]: { token: 'string' },
  [MSG.VAULT_KEY]: {},
  [MSG.REQUEST_UNLOCK]: {},
  [MSG.RECORD_OP]: { name: 'string', status: 'string', size: 'number', code: 'string?', message: 'string?' },
  [MSG.TAB_STATUS]: { tabId: 'number' },
  [MSG.SET_SITE]: { origin: 'string', enabled: 'boolean' },
  [MSG.LOCK]: {},
  [MSG.UNLOCKED]: {},
  [MSG.GRANT_BYPASS]: { tabId: 'number' },
  [MSG.STATUS_PING]: { nonce: 'string' },
  [MSG.DOWNLOAD_DECRYPT]: { job: 'number', url: 'string' },
  [MSG.DOWNLOAD_RELEASE]: { job: 'number' },
  [MSG.DOWNLOAD_KEYS]: {},
  [MSG.DOWNLOAD_EVENT]: {
    job: 'number', event: 'string', url: 'string?', name: 'string?', code: 'string?', message: 'string?',
    headerOk: 'boolean?', done: 'number?', total: 'number?', size: 'number?',
  },
};

/**
 * True when `msg` is an object of a declared type whose fields have the
 * declared types (a kind ending in `?` may be absent).
 */
export function validate(msg) {
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return false;
  const schema = Object.hasOwn(SCHEMAS, msg.type) ? SCHEMAS[msg.type] : null;
  if (!schema) return false;
  for (const [field, declared] of Object.entries(schema)) {
    const optional = declared.endsWith('?');
    const kind = optional ? declared.slice(0, -1) : declared;
    if (optional && msg[field] === undefined) continue;
    if (typeof msg[field] !== kind) return false;
    if (kind === 'string' && msg[field].length > 4096) return false;
    if (kind === 'number' && !Number.isFinite(msg[field])) return false;
  }
  return true;
}

/** Sends a validated message to the background; resolves to its reply. */
export async function send(ext, type, fields = {}) {
  const msg = { type, ...fields };
  if (!validate(msg)) throw new Error(`invalid message ${type}`);
  return ext.runtime.sendMessage(msg);
}
