// Protected sites: stored origins, optional host permissions, and content
// scripts registered for exactly those sites (MAIN-world hook + isolated bridge).
import { ext } from '../platform/api.js';
import { MSG } from '../lib/messages.js';
import { originsFor, patternFor } from '../lib/sites.js';
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
 * permission for, changing only what differs: an update of the match list
 * when both scripts exist (no moment without them for tabs loading meanwhile),
 * a first registration, or removal when no site is left. Idempotent; runs on
 * install, at every background start, after every site change and whenever
 * host access is granted or withdrawn.
 */
export async function syncContentScripts() {
  const sites = await enabledSites();
  const wanted = [];
  for (const p of patterns(sites)) {
    if (await ext.permissions.contains({ origins: [p] })) wanted.push(p);
  }
  const existing = await ext.scripting.getRegisteredContentScripts({ ids: [HOOK_ID, BRIDGE_ID] });
  const same = (s) => s.matchOriginAsFallback && (s.matches ?? []).length === wanted.length
    && wanted.every((p) => s.matches.includes(p));
  if (existing.length === 2 && existing.every(same)) return;
  // All frames, and with matchOriginAsFallback also about:blank, srcdoc
  // and blob: frames made by a covered page (they inherit its origin).
  const common = { matches: wanted, runAt: 'document_start', allFrames: true, matchOriginAsFallback: true, persistAcrossSessions: true };
  const scripts = [
    { id: HOOK_ID, js: ['extension/page/hook.page.js'], world: 'MAIN', ...common },
    { id: BRIDGE_ID, js: ['extension/content/bridge.content.js'], ...common },
  ];
  if (!wanted.length) {
    if (existing.length) await ext.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
  } else if (existing.length === 2 && existing.every((s) => s.matchOriginAsFallback)) {
    await ext.scripting.updateContentScripts(scripts.map(({ id, matches }) => ({ id, matches })));
  } else {
    if (existing.length) await ext.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
    await ext.scripting.registerContentScripts(scripts);
  }
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
 * Asks the tab's top-frame bridge whether its page hook holds the private
 * port, with a fresh nonce the hook must echo over that port. No answer (no
 * bridge: the tab was loaded before its site was protected, or runs scripts
 * of an extension instance since reloaded) means not hooked.
 */
async function hookAnswers(tabId) {
  const nonce = crypto.randomUUID();
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 2000));
  try {
    const reply = await Promise.race([ext.tabs.sendMessage(tabId, { type: MSG.STATUS_PING, nonce }, { frameId: 0 }), timeout]);
    return reply?.nonce === nonce && reply.hooked === true;
  } catch {
    return false; // no content script in this tab
  }
}

/**
 * For the popup: is this tab's site enabled (`protected`), and is this tab
 * actually hooked? `reloadRequired`: the site is enabled but this tab's page
 * hook did not answer (see hookAnswers); `hostAccess`: false when the browser
 * withdrew Cloak's access to the site.
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
  const hooked = hostAccess && (await hookAnswers(tabId));
  return { origin, protected: true, hostAccess, reloadRequired: hostAccess && !hooked };
}
