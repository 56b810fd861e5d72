// Every runtime message between extension contexts has a declared type and a
// schema; receivers validate with `validate` before acting.

export const MSG = Object.freeze({
  // content script -> background
  HELLO: 'hello',
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
});

const SCHEMAS = {
  [MSG.HELLO]: {},
  [MSG.PAIR_FRAME]: {},
  [MSG.TAKE_BYPASS]: {},
  [MSG.CLAIM_PAIRING]: { token: 'string' },
  [MSG.VAULT_KEY]: {},
  [MSG.REQUEST_UNLOCK]: {},
  [MSG.RECORD_OP]: { name: 'string', status: 'string', size: 'number' },
  [MSG.TAB_STATUS]: { tabId: 'number' },
  [MSG.SET_SITE]: { origin: 'string', enabled: 'boolean' },
  [MSG.LOCK]: {},
  [MSG.UNLOCKED]: {},
  [MSG.GRANT_BYPASS]: { tabId: 'number' },
};

/** True when `msg` is an object of a declared type whose fields have the declared types. */
export function validate(msg) {
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return false;
  const schema = Object.hasOwn(SCHEMAS, msg.type) ? SCHEMAS[msg.type] : null;
  if (!schema) return false;
  for (const [field, kind] of Object.entries(schema)) {
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
