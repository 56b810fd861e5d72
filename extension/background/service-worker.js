// Background: the only context that registers content scripts, pairs crypto
// frames with their content script, and holds lock state. Messages are dispatched
// through a {type: handler} map after validation and a check of who sent them.
import { ext } from '../platform/api.js';
import { MSG, validate } from '../lib/messages.js';
import { setSite, siteStatus, syncContentScripts } from './sites.background.js';
import { grantBypass, takeBypass } from './bypass.background.js';
import { checkAutoLock, isUnlocked, lock, openUnlockWindow, recordOp, touch, vaultKeyForFrame } from './vault.background.js';
import { claimPairing, issuePairing } from './pairing.background.js';
import { createMenu, keysForOffscreen, listen as listenForDownloads, onDecrypterEvent } from './downloads.background.js';

const EXT_PROTOCOLS = new Set(['chrome-extension:', 'moz-extension:']);

/** A sender that is one of our extension pages (popup, options, crypto frame). */
function isExtensionPage(sender) {
  if (sender.id !== ext.runtime.id || !sender.url) return false;
  return EXT_PROTOCOLS.has(new URL(sender.url).protocol);
}

/** A sender that is our content script in a web page tab. */
function isContentScript(sender) {
  if (sender.id !== ext.runtime.id || !sender.tab || !sender.url) return false;
  const { protocol } = new URL(sender.url);
  // blob: frames made by a covered page have its origin (`blob:https://site/…`).
  return protocol === 'https:' || protocol === 'http:' || protocol === 'about:' || protocol === 'blob:';
}

/** Chromium's offscreen document that decrypts downloads. */
function isOffscreen(sender) {
  return isExtensionPage(sender) && !sender.tab
    && new URL(sender.url).pathname === '/extension/download/offscreen.html';
}

function isCryptoFrame(sender) {
  return isExtensionPage(sender) && Boolean(sender.tab)
    && new URL(sender.url).pathname === '/extension/crypto/frame.html';
}

const HANDLERS = {
  [MSG.PAIR_FRAME]: { allow: isContentScript, run: (_m, s) => issuePairing(s) },
  [MSG.TAKE_BYPASS]: { allow: isContentScript, run: (_m, s) => takeBypass(s) },
  [MSG.CLAIM_PAIRING]: { allow: isCryptoFrame, run: (m, s) => claimPairing(m.token, s) },
  [MSG.VAULT_KEY]: { allow: isCryptoFrame, run: () => vaultKeyForFrame() },
  [MSG.REQUEST_UNLOCK]: { allow: isCryptoFrame, run: () => openUnlockWindow() },
  [MSG.RECORD_OP]: { allow: isCryptoFrame, run: (m, s) => recordOp(m, s) },
  [MSG.TAB_STATUS]: { allow: isExtensionPage, run: (m) => siteStatus(m.tabId) },
  [MSG.SET_SITE]: { allow: isExtensionPage, run: (m) => setSite(m.origin, m.enabled) },
  [MSG.LOCK]: { allow: isExtensionPage, run: () => lock() },
  [MSG.UNLOCKED]: { allow: isExtensionPage, run: () => touch() },
  [MSG.GRANT_BYPASS]: { allow: isExtensionPage, run: (m) => grantBypass(m.tabId) },
  [MSG.DOWNLOAD_KEYS]: { allow: isOffscreen, run: () => keysForOffscreen() },
  [MSG.DOWNLOAD_EVENT]: { allow: isOffscreen, run: (m) => onDecrypterEvent({ ...m, type: m.event }) },
};

ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!validate(msg) || !Object.hasOwn(HANDLERS, msg.type)) return false;
  const handler = HANDLERS[msg.type];
  if (!handler.allow(sender)) {
    console.warn('Cloak: refused', msg.type, 'from', sender.url);
    return false;
  }
  Promise.resolve()
    .then(() => handler.run(msg, sender))
    .then((result) => sendResponse({ ok: true, result }), (e) => sendResponse({ ok: false, error: String(e?.message || e) }));
  return true;
});

listenForDownloads();

ext.runtime.onInstalled.addListener(async ({ reason }) => {
  createMenu();
  await syncContentScripts();
  if (reason === 'install') {
    await ext.tabs.create({ url: ext.runtime.getURL('extension/ui/onboarding.html') });
  }
});

ext.runtime.onStartup.addListener(() => syncContentScripts());
// Host access granted or withdrawn in the browser's own settings: cover
// exactly the sites Cloak may still run on.
ext.permissions.onAdded.addListener(() => syncContentScripts());
ext.permissions.onRemoved.addListener(() => syncContentScripts());
// And at every start of this worker: the sync changes only what differs.
syncContentScripts().catch((err) => console.warn('Cloak could not sync its content scripts:', err));

ext.alarms.create('cloak-auto-lock', { periodInMinutes: 1 });
ext.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === 'cloak-auto-lock') checkAutoLock();
});

// Keep the toolbar button honest about the lock state (text, not an emoji
// glyph a system may lack).
// While downloads are being decrypted, the badge shows their overall percentage.
async function updateBadge() {
  const unlocked = await isUnlocked();
  const { decrypting = [] } = await ext.storage.session.get('decrypting');
  const done = decrypting.reduce((n, j) => n + j.done, 0);
  const total = decrypting.reduce((n, j) => n + j.total, 0);
  const percent = decrypting.length ? `${total ? Math.floor((100 * done) / total) : 0}%` : '';
  await ext.action.setBadgeText({ text: percent || (unlocked ? '' : 'off') });
  await ext.action.setTitle({
    title: percent ? `Cloak: decrypting ${decrypting.map((j) => j.name).join(', ')}` : `Cloak: ${unlocked ? 'unlocked' : 'locked'}`,
  });
}
ext.storage.onChanged.addListener((_changes, area) => {
  if (area === 'session') updateBadge();
});
updateBadge();
