// Lock state. The unlocked vault keys live only in storage.session (trusted
// contexts only); locking clears them. Recent operations are kept there too.
import { ext } from '../platform/api.js';

export const DEFAULT_AUTO_LOCK_MINUTES = 15;

export async function isUnlocked() {
  const { vault } = await ext.storage.session.get('vault');
  return Boolean(vault?.keys?.length);
}

/** Every unlocked vault key (hex), for decryption in extension contexts. */
export async function unlockedKeys() {
  const { vault } = await ext.storage.session.get('vault');
  return vault?.keys ?? [];
}

/**
 * The default vault key, for the crypto frame only (Firefox gives extension
 * frames inside web pages no storage.session). Counts as activity.
 */
export async function vaultKeyForFrame() {
  // A key whose recovery key is not confirmed yet encrypts nothing (ui/vault-ops.js).
  if (await setupPending()) return { locked: false, setupPending: true };
  const { vault } = await ext.storage.session.get('vault');
  if (!vault?.keys?.length) return { locked: true };
  await touch();
  return { locked: false, key: vault.keys[0] };
}

/** True while Cloak has no active key: none yet, or one whose recovery key is unconfirmed. */
export async function setupPending() {
  const { keyfile, setupPending: pending } = await ext.storage.local.get(['keyfile', 'setupPending']);
  return !keyfile || Boolean(pending);
}

export async function lock() {
  await ext.storage.session.remove(['vault', 'lastActivity']);
}

export async function touch() {
  await ext.storage.session.set({ lastActivity: Date.now() });
}

export async function checkAutoLock() {
  const { settings } = await ext.storage.local.get('settings');
  const minutes = settings?.autoLockMinutes ?? DEFAULT_AUTO_LOCK_MINUTES;
  const { lastActivity } = await ext.storage.session.get('lastActivity');
  if (minutes > 0 && lastActivity && Date.now() - lastActivity > minutes * 60_000) await lock();
}

let unlockWindowId = null;

/** Opens (or focuses) the unlock window: never anything drawn over the page. */
export async function openUnlockWindow() {
  if (unlockWindowId !== null) {
    try {
      await ext.windows.update(unlockWindowId, { focused: true });
      return;
    } catch {
      unlockWindowId = null;
    }
  }
  const win = await ext.windows.create({
    url: ext.runtime.getURL('extension/ui/unlock.html'), type: 'popup', width: 420, height: 360,
  });
  unlockWindowId = win.id;
  ext.windows.onRemoved.addListener(function gone(id) {
    if (id === unlockWindowId) {
      unlockWindowId = null;
      ext.windows.onRemoved.removeListener(gone);
    }
  });
}

/**
 * Remembers an operation for the popup (names in session storage only):
 * `{name, status, size?, code?, message?, tabId?}`.
 */
export async function recordOutcome(op) {
  const { recent = [] } = await ext.storage.session.get('recent');
  recent.unshift({ ...op, at: Date.now() });
  await ext.storage.session.set({ recent: recent.slice(0, 20) });
}

const UPLOAD_STATUSES = new Set(['encrypted', 'blocked']);

/** An upload the crypto frame finished or blocked. */
export function recordOp(msg, sender) {
  if (!UPLOAD_STATUSES.has(msg.status)) return Promise.resolve();
  const { name, status, size, code, message } = msg;
  return recordOutcome({ name, status, size, code, message, tabId: sender.tab.id });
}
