// Decrypt on download. A `.cloak` download from a protected site is held
// (paused, its file name undecided, in Chromium; left running in Firefox) while
// Cloak fetches the same URL again from the extension, with the user's
// credentials. Only once a valid Cloak header has arrived (key unwrapped,
// commitment checked) is the original cancelled; any earlier failure lets the
// original finish, so a single-use or POST-only URL still leaves the user the
// ciphertext. The decrypted file is saved under the original name from the
// encrypted metadata, and only after its last chunk authenticated. Nothing here is reachable by a
// page: decryption starts only from the user's own download or menu click.
import { ext } from '../platform/api.js';
import { decrypterHost, watchDownloads } from '../platform/browser.js';
import { siteCovers } from '../lib/sites.js';
import { describeFailure } from '../lib/outcomes.js';
import { enabledSites } from './sites.background.js';
import { isUnlocked, openUnlockWindow, recordOutcome, unlockedKeys } from './vault.background.js';
import { ignoring } from '../lib/ignoring.js';

const UNLOCK_WAIT_MS = 2 * 60_000;
const MENU_ID = 'cloak-decrypt-link';
const VAULT_URL = 'extension/ui/vault.html';

const jobs = new Map(); // job -> {hold, name, kind}
const saving = new Map(); // our download id -> job
const ownNames = new Map(); // blob: URL -> file name (Chromium suggests it)
let nextJob = Date.now();

// ---- where decryption runs: Chromium's offscreen document, or Firefox's background page

const host = decrypterHost({ onEvent: (ev) => onDecrypterEvent(ev), keys: () => unlockedKeys() });
const startDecrypter = (job, url) => host.start(job, url);
const releaseDecrypter = (job) => host.release(job);

// ---- which downloads are Cloak's to take

const baseName = (path) => String(path || '').split(/[/\\]/).pop();
const OPAQUE_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

/**
 * 'cloak' (a .cloak name), 'sniff' (an opaque name that may hide one),
 * 'manual' (a .cloak file Cloak cannot fetch again), or null.
 */
export async function classify({ url, referrer, filename, mime }) {
  if (!url) return null;
  const sites = await enabledSites();
  if (!siteCovers(sites, url) && !(referrer && siteCovers(sites, referrer))) return null;
  const name = baseName(filename).toLowerCase();
  const { protocol } = new URL(url);
  if (protocol === 'blob:' || protocol === 'data:') return name.endsWith('.cloak') ? 'manual' : null;
  if (protocol !== 'https:' && protocol !== 'http:') return null;
  if (name.endsWith('.cloak')) return 'cloak';
  if (!/\.[a-z0-9]{1,8}$/.test(name) && OPAQUE_TYPES.has(mime || '')) return 'sniff';
  return null;
}

// ---- the job

function notify(title, message, { vault = false } = {}) {
  const id = `cloak-${vault ? 'vault' : 'info'}-${crypto.randomUUID()}`;
  ext.notifications?.create(id, {
    type: 'basic', iconUrl: ext.runtime.getURL('extension/ui/icons/cloak-128.png'), title, message,
  }).catch(ignoring('showing a notification'));
}

async function waitForUnlock() {
  if (await isUnlocked()) return true;
  await openUnlockWindow();
  const deadline = Date.now() + UNLOCK_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    if (await isUnlocked()) return true;
  }
  return false;
}

/**
 * Decrypts `url` for the user. `hold` controls the original download, if any:
 * `cancel()` once the header is valid, `release()` to let it finish.
 */
export async function takeOver(url, name, kind, hold) {
  const job = nextJob++;
  jobs.set(job, { hold, name, kind });
  keepAlive();
  if (!(await waitForUnlock())) {
    onDecrypterEvent({ type: 'failed', job, headerOk: false, code: 'locked', message: 'Cloak is locked.' });
    return;
  }
  try {
    await startDecrypter(job, url);
  } catch (err) {
    onDecrypterEvent({ type: 'failed', job, headerOk: false, code: 'error', message: String(err?.message || err) });
  }
}

async function onDone(job, { url, name, size }) {
  ownNames.set(url, name);
  try {
    const id = await ext.downloads.download({ url, filename: name, conflictAction: 'uniquify', saveAs: false });
    saving.set(id, { job, name, size });
  } catch (err) {
    ownNames.delete(url);
    releaseDecrypter(job);
    await recordOutcome({ name, status: 'failed', code: 'save_failed', message: String(err?.message || err) });
    notify('Cloak could not save the decrypted file', `${name}: ${err?.message || err}`);
  }
  jobs.delete(job);
}

async function onFailed(job, entry, ev) {
  jobs.delete(job);
  if (!ev.headerOk) entry.hold.release();
  // An opaque name that was not a Cloak file is none of Cloak's business.
  if (entry.kind === 'sniff' && !ev.headerOk && (ev.code === 'not_cloak' || ev.code === 'fetch_failed')) return;
  const text = describeFailure(ev);
  const kept = ev.headerOk || !entry.hold.original
    ? 'Nothing was saved.'
    : 'The encrypted file was saved as it is; you can open it in the Cloak vault.';
  await recordOutcome({ name: entry.name, status: 'failed', code: ev.code, message: text });
  notify(`Cloak could not decrypt ${entry.name}`, `${text} ${kept}`, { vault: !ev.headerOk });
}

// Firefox suspends an event page after 30 s without an event, and the page's
// decryption worker with it: a job stalled that long was lost, its download
// never saved nor reported. While jobs run, a storage write every 10 s wakes
// the page's own storage listener.
let heartbeat = null;
function keepAlive() {
  heartbeat ??= setInterval(() => {
    if (jobs.size) {
      ext.storage.session.set({ downloadsAlive: Date.now() }).catch(ignoring('the keep-alive write'));
      return;
    }
    clearInterval(heartbeat);
    heartbeat = null;
  }, 10_000);
}

// Progress of the decryptions under way, for the popup and the toolbar badge
// (service-worker.js draws it).
// (In Firefox these storage writes also wake the background page's listeners,
// which keeps the event page from being suspended mid-download.)
const active = new Map(); // job -> {name, done, total}
let shownAt = 0;
async function showProgress(force = false) {
  if (!force && Date.now() - shownAt < 1000) return;
  shownAt = Date.now();
  await ext.storage.session.set({ decrypting: [...active.values()] });
}

function settle(job) {
  if (active.delete(job)) showProgress(true).catch(ignoring('updating the progress badge'));
}

/** Events from the decrypter (offscreen document or local), by job. */
export function onDecrypterEvent(ev) {
  const entry = jobs.get(ev.job);
  if (!entry) return undefined;
  if (ev.type === 'header') {
    active.set(ev.job, { name: entry.name, done: 0, total: ev.total || 0 });
    showProgress(true).catch(ignoring('updating the progress badge'));
    return entry.hold.cancel();
  }
  if (ev.type === 'progress') {
    active.set(ev.job, { name: entry.name, done: ev.done || 0, total: ev.total || 0 });
    return showProgress().catch(ignoring('updating the progress badge'));
  }
  settle(ev.job);
  if (ev.type === 'done') return onDone(ev.job, ev);
  if (ev.type === 'failed') return onFailed(ev.job, entry, ev);
  return undefined;
}

/** Keys for the offscreen document's current job (it has no storage access). */
export async function keysForOffscreen() {
  return { keys: await unlockedKeys() };
}

// ---- holding the original download

const NO_ORIGINAL = { original: false, cancel() {}, release() {} };

function manual(name) {
  notify(`${name} was saved encrypted`, 'The site made this file inside the page, so Cloak cannot fetch it again. Open it in the Cloak vault to decrypt it.', { vault: true });
  recordOutcome({ name, status: 'saved encrypted', code: 'manual', message: 'Open it in the Cloak vault.' });
}

/** A download Cloak did not start (platform/browser.js watches for them): Cloak's to take, or not. */
function onNewDownload(item, { hold, pass }) {
  const url = item.finalUrl || item.url;
  classify({ url, referrer: item.referrer, filename: item.filename, mime: item.mime }).then((kind) => {
    if (kind === 'cloak' || kind === 'sniff') takeOver(url, baseName(item.filename), kind, hold());
    else {
      pass();
      if (kind === 'manual') manual(baseName(item.filename));
    }
  }, (err) => {
    console.warn('Cloak could not classify a download, so it leaves it alone:', err);
    pass();
  });
}

function ownName(url) {
  const name = ownNames.get(url);
  ownNames.delete(url);
  return name;
}

async function onChanged(delta) {
  const saved = saving.get(delta.id);
  if (!saved || !delta.state) return;
  const state = delta.state.current;
  if (state !== 'complete' && state !== 'interrupted') return;
  saving.delete(delta.id);
  releaseDecrypter(saved.job);
  if (state === 'complete') await recordOutcome({ name: saved.name, status: 'decrypted', size: saved.size });
  else await recordOutcome({ name: saved.name, status: 'failed', code: 'save_failed', message: `Saving the decrypted file was interrupted${interruptReason(delta.error?.current)}.` });
}

// downloads.InterruptReason values a user can act on; others are named as the browser gives them.
const INTERRUPTS = {
  FILE_NO_SPACE: 'the disk is full',
  FILE_ACCESS_DENIED: 'the download folder cannot be written to',
  FILE_TOO_LARGE: "the file is too large for the disk's file system",
  FILE_NAME_TOO_LONG: 'the file name is too long',
  USER_CANCELED: 'it was cancelled',
  USER_SHUTDOWN: 'the browser was closed',
};
const interruptReason = (reason) => (reason ? `: ${INTERRUPTS[reason] ?? reason}` : '');

function onMenuClicked(info) {
  if (info.menuItemId !== MENU_ID || !info.linkUrl) return;
  const name = baseName(new URL(info.linkUrl).pathname);
  takeOver(info.linkUrl, decodeURIComponent(name), 'cloak', NO_ORIGINAL);
}

function onNotificationClicked(id) {
  if (id.startsWith('cloak-vault-')) ext.tabs.create({ url: ext.runtime.getURL(VAULT_URL) });
  ext.notifications.clear(id).catch(ignoring('clearing a clicked notification'));
}

export function createMenu() {
  ext.contextMenus.create({
    id: MENU_ID, title: 'Decrypt with Cloak', contexts: ['link'],
    targetUrlPatterns: ['*://*/*.cloak', '*://*/*.cloak?*'],
  }, () => void ext.runtime.lastError);
}

/** Registers the listeners; called once at the background's top level. */
export function listen() {
  watchDownloads({ ownName, onNew: onNewDownload });
  ext.downloads.onChanged.addListener(onChanged);
  ext.contextMenus.onClicked.addListener(onMenuClicked);
  ext.notifications?.onClicked.addListener(onNotificationClicked);
}
