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

/**
 * Makes the registered content scripts cover exactly the enabled sites we hold
 * permission for, changing only what differs: tabs already hooked keep their
 * hook, and only a newly covered site's tabs need a reload. Idempotent; runs on
 * install, at every background start and after every site change.
 */
export async function syncContentScripts() {
  const sites = await enabledSites();
  const wanted = [];
  for (const p of patterns(sites)) {
    if (await ext.permissions.contains({ origins: [p] })) wanted.push(p);
  }
  const existing = await ext.scripting.getRegisteredContentScripts({ ids: [HOOK_ID, BRIDGE_ID] });
  const current = existing.length === 2 ? existing[0].matches ?? [] : [];
  const same = current.length === wanted.length && wanted.every((p) => current.includes(p));
  if (!same || existing.some((s) => !s.matchOriginAsFallback)) {
    if (existing.length) await ext.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
    if (wanted.length) {
      // All frames, and with matchOriginAsFallback also about:blank, srcdoc
      // and blob: frames made by a covered page (they inherit its origin).
      const common = { matches: wanted, runAt: 'document_start', allFrames: true, matchOriginAsFallback: true, persistAcrossSessions: true };
      await ext.scripting.registerContentScripts([
        { id: HOOK_ID, js: ['extension/page/hook.page.js'], world: 'MAIN', ...common },
        { id: BRIDGE_ID, js: ['extension/content/bridge.content.js'], ...common },
      ]);
    }
  }
  // When each pattern became covered: a tab hooked before that runs no hook for it.
  const { registeredAt = {} } = await ext.storage.local.get('registeredAt');
  const next = {};
  for (const p of wanted) next[p] = registeredAt[p] ?? Date.now();
  await ext.storage.local.set({ registeredAt: next });
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

/**
 * For the popup: is this tab's site enabled (`protected`), and is this tab
 * actually hooked? `reloadRequired`: the site is enabled but this tab's
 * document was loaded before its scripts were registered (or runs a bridge from
 * before an extension reload); `hostAccess`: false when the browser withdrew
 * Cloak's access to the site. Only a bridge's report that its hook took the
 * private port counts as hooked.
 */
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
  if (!isProtected) return { origin, protected: false, reloadRequired: false, hostAccess: true };
  let pattern;
  try {
    pattern = patternFor(origin);
  } catch {
    return { origin, protected: true, reloadRequired: false, hostAccess: false };
  }
  const hostAccess = await ext.permissions.contains({ origins: [pattern] });
  const { registeredAt = {} } = await ext.storage.local.get('registeredAt');
  const { hooked = {} } = await ext.storage.session.get('hooked');
  const loadedAt = hooked[tabId] || 0;
  const since = registeredAt[pattern];
  return { origin, protected: true, hostAccess, reloadRequired: hostAccess && (!since || loadedAt < since) };
}

/** A bridge reported in from a tab's top frame: that tab runs the current scripts. */
export async function noteHooked(sender) {
  if (sender.frameId !== 0) return;
  const { hooked = {} } = await ext.storage.session.get('hooked');
  hooked[sender.tab.id] = Date.now();
  await ext.storage.session.set({ hooked });
}
