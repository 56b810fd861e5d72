// Protected sites: stored origins, optional host permissions, and content
// scripts registered for exactly those sites (MAIN-world hook + isolated bridge).
import { ext } from '../shared/api.js';
import { originsFor, patternFor } from '../shared/sites.js';
import { setupPending } from './vault.background.js';

const HOOK_ID = 'cloak-hook';
const BRIDGE_ID = 'cloak-bridge';

export async function enabledSites() {
  return (await ext.storage.local.get('sites')).sites || [];
}

function patterns(sites) {
  return [...new Set(sites.flatMap(originsFor).map(patternFor))];
}

/** Re-registers the content scripts for the enabled sites we hold permission for. */
export async function syncContentScripts() {
  const sites = await enabledSites();
  const wanted = [];
  for (const p of patterns(sites)) {
    if (await ext.permissions.contains({ origins: [p] })) wanted.push(p);
  }
  const existing = await ext.scripting.getRegisteredContentScripts({ ids: [HOOK_ID, BRIDGE_ID] });
  if (existing.length) await ext.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
  if (!wanted.length) return;
  const common = { matches: wanted, runAt: 'document_start', allFrames: true, persistAcrossSessions: true };
  await ext.scripting.registerContentScripts([
    { id: HOOK_ID, js: ['extension/page/hook.page.js'], world: 'MAIN', ...common },
    { id: BRIDGE_ID, js: ['extension/content/bridge.content.js'], ...common },
  ]);
  await ext.storage.session.set({ scriptsRegisteredAt: Date.now() });
}

export async function setSite(origin, enabled) {
  if (enabled && (await setupPending())) {
    throw new Error('Finish setting up Cloak before protecting a site: confirm your recovery key first.');
  }
  const sites = await enabledSites();
  const next = enabled ? [...new Set([...sites, origin])] : sites.filter((s) => s !== origin);
  await ext.storage.local.set({ sites: next });
  await syncContentScripts();
  return { sites: next };
}

/** For the popup: is this tab's site protected, and does it need a reload? */
export async function siteStatus(tabId) {
  const tab = await ext.tabs.get(tabId);
  let origin = null;
  try {
    origin = new URL(tab.url).origin;
  } catch {
    return { origin: null, protected: false };
  }
  const sites = await enabledSites();
  const isProtected = sites.some((s) => originsFor(s).includes(origin));
  const { scriptsRegisteredAt = 0, hooked = {} } = await ext.storage.session.get(['scriptsRegisteredAt', 'hooked']);
  const loadedAt = hooked[tabId] || 0;
  return { origin, protected: isProtected, reloadRequired: isProtected && loadedAt < scriptsRegisteredAt };
}

/** A bridge reported in from a tab's top frame: that tab runs the current scripts. */
export async function noteHooked(sender) {
  if (sender.frameId !== 0) return;
  const { hooked = {} } = await ext.storage.session.get('hooked');
  hooked[sender.tab.id] = Date.now();
  await ext.storage.session.set({ hooked });
}
