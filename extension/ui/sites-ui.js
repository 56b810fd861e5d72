// Enabling protected sites from an extension page (needs a user gesture for
// the permission request).
import { ext } from '../platform/api.js';
import { MSG, send } from '../lib/messages.js';
import { originsFor, parseOrigin, patternFor } from '../lib/sites.js';

/** Asks for host permission on `origin` (and its extra hosts) and enables it. */
export async function protectSites(origins) {
  const patterns = [...new Set(origins.flatMap(originsFor).map(patternFor))];
  // Request first, with nothing awaited before it: Firefox only allows it
  // while the click that asked for it is being handled.
  if (!(await ext.permissions.request({ origins: patterns }))) {
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
