// Pairs a crypto frame with the content script that created it: the content
// script gets a one-time token for its tab and frame; the frame claims it from
// the same tab. A page cannot obtain a token, so an embedded frame it made
// itself never gets a channel.
import { ext } from '../platform/api.js';

const TTL_MS = 30_000;

async function pending() {
  return (await ext.storage.session.get('pairings')).pairings || {};
}

export async function issuePairing(sender) {
  const token = crypto.randomUUID();
  const all = await pending();
  const now = Date.now();
  for (const [t, p] of Object.entries(all)) if (p.expires < now) delete all[t];
  // sender.origin: an about:srcdoc or about:blank frame has its creator's
  // origin, which its URL does not show.
  const origin = sender.origin ?? new URL(sender.url).origin;
  if (origin === 'null') {
    // A sandboxed or data: frame has an opaque origin: nothing to seal the
    // files for, and no site of the user's to check. It gets no file.
    throw new Error('Cloak cannot encrypt in a sandboxed or data: frame, so this page gets no file here.');
  }
  all[token] = { tabId: sender.tab.id, frameId: sender.frameId, origin, expires: now + TTL_MS };
  await ext.storage.session.set({ pairings: all });
  return { token };
}

export async function claimPairing(token, sender) {
  const all = await pending();
  const entry = all[token];
  delete all[token];
  await ext.storage.session.set({ pairings: all });
  if (!entry || entry.expires < Date.now() || entry.tabId !== sender.tab.id) {
    throw new Error('unknown or expired pairing');
  }
  return { origin: entry.origin, tabId: entry.tabId };
}
