// "Upload next file unencrypted": granted from the popup only, for one file,
// one tab and its origin, for one minute.
import { ext } from '../platform/api.js';

const TTL_MS = 60_000;

export async function grantBypass(tabId) {
  const tab = await ext.tabs.get(tabId);
  const origin = new URL(tab.url).origin;
  await ext.storage.session.set({ bypass: { tabId, origin, expires: Date.now() + TTL_MS } });
  return { origin };
}

export async function takeBypass(sender) {
  const { bypass } = await ext.storage.session.get('bypass');
  if (!bypass) return { allowed: false };
  const allowed = bypass.tabId === sender.tab.id && bypass.origin === new URL(sender.url).origin
    && bypass.expires > Date.now();
  if (allowed) await ext.storage.session.remove('bypass');
  return { allowed };
}
