// Key operations for extension pages (onboarding, unlock, options). The WASM
// crate does the cryptography; the key file lives in storage.local, unlocked
// keys in storage.session (trusted extension contexts only).
import init, * as cloak from '../lib/wasm/cloak.js';
import { ext } from '../platform/api.js';
import { MSG, send } from '../lib/messages.js';

const ready = init();

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export async function hasKeyFile() {
  return Boolean((await ext.storage.local.get('keyfile')).keyfile);
}

export async function isUnlocked() {
  return Boolean((await ext.storage.session.get('vault')).vault?.keys?.length);
}

async function storeUnlocked(keys) {
  const hex = keys.map((k) => toHex(k.toBytes()));
  keys.forEach((k) => k.free());
  await ext.storage.session.set({ vault: { keys: hex }, lastActivity: Date.now() });
  await send(ext, MSG.UNLOCKED);
}

const coded = (code, message) => Object.assign(new Error(message), { code });

/**
 * A key created on this page whose recovery key the user has not yet
 * confirmed: it becomes active (unlocked, usable for uploads) only through
 * finishSetup(). Held here, never stored unlocked before that.
 */
let pendingKey = null;

/** The key id of a created key whose recovery key is not confirmed yet, or null. */
export async function pendingSetup() {
  return (await ext.storage.local.get('setupPending')).setupPending ?? null;
}

/**
 * Creates the first vault key; returns {recovery, recipient, keyId}. Refuses
 * when a key exists: keys are only ever added (import), never replaced. The
 * key stays inactive, and Cloak encrypts nothing, until finishSetup().
 */
export async function createVault(passphrase) {
  await ready;
  if (await hasKeyFile()) {
    throw coded('key_exists', 'Cloak already has a key. Creating another would make your encrypted files unreadable here; import a key instead.');
  }
  const key = cloak.VaultKey.generate();
  const info = { recovery: key.recoveryKey(), recipient: key.recipient(), keyId: key.keyId() };
  const keyfile = cloak.createKeyFile([key.clone()], passphrase, undefined);
  await ext.storage.local.set({ keyfile, setupPending: info.keyId });
  pendingKey?.free();
  pendingKey = key;
  return info;
}

/**
 * For a created key whose setup was interrupted (the tab closed on the
 * recovery step): unlocks the key file to show its recovery key again.
 */
export async function resumeSetup(passphrase) {
  await ready;
  const keyId = await pendingSetup();
  if (!keyId) throw coded('no_pending_setup', 'Cloak is already set up.');
  const { keyfile } = await ext.storage.local.get('keyfile');
  const keys = cloak.unlockKeyFile(keyfile, passphrase);
  const index = keys.findIndex((k) => k.keyId() === keyId);
  const key = index >= 0 ? keys.splice(index, 1)[0] : null;
  keys.forEach((k) => k.free());
  if (!key) throw coded('no_pending_setup', 'The key being set up is no longer in the key file.');
  pendingKey?.free();
  pendingKey = key;
  return { recovery: key.recoveryKey(), recipient: key.recipient(), keyId };
}

/** The user confirmed the recovery key: the key becomes active and Cloak unlocked. */
export async function finishSetup() {
  if (!pendingKey) throw coded('no_pending_setup', 'Show the recovery key again before finishing setup.');
  const key = pendingKey;
  pendingKey = null;
  await ext.storage.local.remove('setupPending');
  await ext.storage.local.set({ recoveryShownAt: Date.now() });
  await storeUnlocked([key]);
}

async function refuseWhilePending() {
  if (await pendingSetup()) {
    throw coded('setup_pending', 'Finish setting up Cloak first: confirm your recovery key on its setup page.');
  }
}

/** Unlocks with the passphrase; throws an Error with code 'wrong_passphrase'. */
export async function unlock(passphrase) {
  await ready;
  const { keyfile } = await ext.storage.local.get('keyfile');
  if (!keyfile) throw coded('no_key', 'No key yet: set Cloak up first.');
  await refuseWhilePending();
  const keys = cloak.unlockKeyFile(keyfile, passphrase);
  // A key file from before passphrases were prepared (FORMAT.md §5) is
  // rewritten once, in one storage write, so every form of it opens from now on.
  const upgraded = cloak.upgradeKeyFile(keyfile, passphrase);
  if (upgraded) await ext.storage.local.set({ keyfile: upgraded });
  await storeUnlocked(keys);
}

/** Imports a key file (from another device or `cloak key new`). Adds, never replaces. */
export async function importKeyFile(json, filePassphrase, passphrase) {
  await ready;
  await refuseWhilePending();
  const incoming = cloak.unlockKeyFile(json, filePassphrase);
  const { keyfile } = await ext.storage.local.get('keyfile');
  const next = keyfile
    ? cloak.importIntoKeyFile(keyfile, passphrase, incoming.map((k) => k.clone()))
    : cloak.createKeyFile(incoming.map((k) => k.clone()), passphrase, undefined);
  // An imported key is recoverable already: its key file or recovery key is the method.
  await ext.storage.local.set({ keyfile: next, recoveryShownAt: Date.now() });
  await storeUnlocked(cloak.unlockKeyFile(next, passphrase));
  incoming.forEach((k) => k.free());
}

/** Imports a recovery key, protected by `passphrase`. */
export async function importRecoveryKey(text, passphrase) {
  await ready;
  await refuseWhilePending();
  const key = cloak.VaultKey.fromRecoveryKey(text);
  const { keyfile } = await ext.storage.local.get('keyfile');
  const next = keyfile
    ? cloak.importIntoKeyFile(keyfile, passphrase, [key.clone()])
    : cloak.createKeyFile([key.clone()], passphrase, undefined);
  // An imported key is recoverable already: its key file or recovery key is the method.
  await ext.storage.local.set({ keyfile: next, recoveryShownAt: Date.now() });
  await storeUnlocked(cloak.unlockKeyFile(next, passphrase));
  key.free();
}

/** An SVG QR code of a recovery key, for the printable recovery kit. */
export async function recoveryQrSvg(text) {
  await ready;
  return cloak.recoveryQrSvg(text);
}

/** The default key's recovery key, behind the passphrase (settings); counts as saving it. */
export async function revealRecovery(passphrase) {
  await ready;
  const { keyfile } = await ext.storage.local.get('keyfile');
  const keys = cloak.unlockKeyFile(keyfile, passphrase);
  const info = { recovery: keys[0].recoveryKey(), keyId: keys[0].keyId() };
  keys.forEach((k) => k.free());
  await ext.storage.local.set({ recoveryShownAt: Date.now() });
  return info;
}

/** Whether to remind the user to save a recovery kit: keys set up before Cloak confirmed recovery keys. */
export async function recoveryReminderDue() {
  const { keyfile, setupPending, recoveryShownAt } = await ext.storage.local.get(['keyfile', 'setupPending', 'recoveryShownAt']);
  return Boolean(keyfile) && !setupPending && !recoveryShownAt;
}

/**
 * Whether `typed` is the last group of `recovery`, the proof that the user
 * saved it; otherwise the message to show.
 */
export function checkRecoveryTyped(recovery, typed) {
  const last = recovery.split('-').pop();
  if (String(typed).trim().toUpperCase() === last) return { ok: true };
  return { ok: false, message: `That does not match. Type the last group (${last.length} characters).` };
}

/** How a key is named to the user: the first 8 hex digits of its id, upper case. */
export const shortKeyId = (keyId) => keyId.slice(0, 8).toUpperCase();

/**
 * A new key shown to the user for key rotation, not yet in the key file: it
 * is added only once its recovery key is confirmed (finishRotation), so no
 * file is ever encrypted to a key without a saved recovery key.
 */
let pendingRotation = null;

/** Key rotation, step 1: checks the passphrase and makes the new key; changes nothing yet. */
export async function beginRotation(passphrase) {
  await ready;
  const { keyfile } = await ext.storage.local.get('keyfile');
  cloak.unlockKeyFile(keyfile, passphrase).forEach((k) => k.free());
  pendingRotation?.key.free();
  const key = cloak.VaultKey.generate();
  pendingRotation = { key, passphrase };
  return { recovery: key.recoveryKey(), keyId: key.keyId() };
}

/** Key rotation, step 2, after the recovery key was confirmed: the new key becomes the default; every older key stays. */
export async function finishRotation() {
  if (!pendingRotation) throw coded('no_rotation', 'Make the new key again: nothing was changed.');
  const { key, passphrase } = pendingRotation;
  pendingRotation = null;
  const { keyfile } = await ext.storage.local.get('keyfile');
  const next = cloak.rotateKeyFile(keyfile, passphrase, key);
  key.free();
  await ext.storage.local.set({ keyfile: next, recoveryShownAt: Date.now() });
  await storeUnlocked(cloak.unlockKeyFile(next, passphrase));
}

/**
 * Deletes a key once the user typed its short id: files encrypted only to it
 * can no longer be opened here. Locks Cloak, so the key leaves memory too.
 */
export async function deleteKey(keyId, typed) {
  await ready;
  if (String(typed).trim().toUpperCase() !== shortKeyId(keyId)) {
    throw coded('not_confirmed', `Type ${shortKeyId(keyId)} to delete this key.`);
  }
  const { keyfile } = await ext.storage.local.get('keyfile');
  await ext.storage.local.set({ keyfile: cloak.removeFromKeyFile(keyfile, keyId) });
  await lock();
}

export async function changePassphrase(oldPass, newPass) {
  await ready;
  const { keyfile } = await ext.storage.local.get('keyfile');
  await ext.storage.local.set({ keyfile: cloak.changeKeyFilePassphrase(keyfile, oldPass, newPass) });
}

export async function describeKeys() {
  await ready;
  const { keyfile } = await ext.storage.local.get('keyfile');
  return keyfile ? cloak.describeKeyFile(keyfile) : [];
}

export async function keyFileJson() {
  return (await ext.storage.local.get('keyfile')).keyfile;
}

export async function lock() {
  await send(ext, MSG.LOCK);
}

/**
 * A new passphrase's strength by the crate's estimator (zxcvbn) and threshold,
 * the same the CLI applies: `{score (0-4), ok, text}`.
 */
export async function strength(passphrase) {
  await ready;
  const s = cloak.passphraseStrength(passphrase);
  if (s.ok) return { score: s.score, ok: true, text: s.score >= 4 ? 'Strong.' : 'Strong enough.' };
  const why = [s.warning, s.suggestions[0]].filter(Boolean).join(' ');
  return { score: s.score, ok: false, text: `Too weak${why ? `: ${why}` : '.'} A few random words are strong and easy to type.` };
}
