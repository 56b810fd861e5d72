// Enabling protected sites from an extension page (needs a user gesture for
// the permission request).
import { ext } from '../shared/api.js';
import { MSG, send } from '../shared/messages.js';
import { originsFor, parseOrigin, patternFor } from '../shared/sites.js';

/** Asks for host permission on `origin` (and its extra hosts) and enables it. */
export async function protectSites(origins) {
  const patterns = [...new Set(origins.flatMap(originsFor).map(patternFor))];
  const missing = [];
  for (const p of patterns) if (!(await ext.permissions.contains({ origins: [p] }))) missing.push(p);
  // Ask only for what is not granted yet (no needless prompt).
  if (missing.length && !(await ext.permissions.request({ origins: missing }))) {
    throw new Error('Cloak was not allowed on those sites.');
  }
  for (const origin of origins) {
    const reply = await send(ext, MSG.SET_SITE, { origin, enabled: true });
    if (!reply?.ok) throw new Error(reply?.error || 'could not enable the site');
  }
}

export async function unprotectSite(origin) {
  await send(ext, MSG.SET_SITE, { origin, enabled: false });
}

export { parseOrigin };
