// Well-known storage sites and the extra origins their uploads and downloads use.

export const KNOWN_SITES = Object.freeze([
  { name: 'Google Drive', origins: ['https://drive.google.com', 'https://*.googleusercontent.com', 'https://docs.google.com'] },
  { name: 'Dropbox', origins: ['https://www.dropbox.com', 'https://*.dropboxusercontent.com'] },
  { name: 'OneDrive', origins: ['https://onedrive.live.com', 'https://*.sharepoint.com', 'https://*.files.1drv.com'] },
  { name: 'iCloud Drive', origins: ['https://www.icloud.com', 'https://*.icloud-content.com'] },
  { name: 'Box', origins: ['https://app.box.com', 'https://*.boxcloud.com'] },
  { name: 'Proton Drive', origins: ['https://drive.proton.me'] },
  { name: 'MEGA', origins: ['https://mega.nz', 'https://*.userstorage.mega.co.nz'] },
  { name: 'pCloud', origins: ['https://my.pcloud.com', 'https://*.pcloud.com'] },
]);

/**
 * Normalises what a user typed ("nextcloud.example.com", "http://127.0.0.1:8080/x")
 * to an origin, or returns null. Only http(s).
 */
export function parseOrigin(text) {
  const trimmed = String(text).trim();
  if (!trimmed) return null;
  const withScheme = /^[a-z]+:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** Match pattern for an origin (or `https://*.host` wildcard origin). Ports are not part of match patterns. */
export function patternFor(origin) {
  const m = /^(https?):\/\/([^/:]+)(?::\d+)?$/.exec(origin);
  if (!m) throw new Error(`not an origin: ${origin}`);
  return `${m[1]}://${m[2]}/*`;
}

/** The origins to protect when a user enables `origin`: a known site's full set, or just it. */
export function originsFor(origin) {
  const known = KNOWN_SITES.find((s) => s.origins[0] === origin);
  return known ? known.origins : [origin];
}

/**
 * Whether `url` belongs to one of the enabled `sites` (each expanded to its
 * origins). Like match patterns, ports are ignored and `*.host` covers
 * subdomains; a `blob:` URL counts as the origin that made it.
 */
export function siteCovers(sites, url) {
  let u;
  try {
    u = new URL(url);
    if (u.protocol === 'blob:') u = new URL(u.pathname);
  } catch {
    return false;
  }
  return sites.flatMap(originsFor).some((origin) => {
    const m = /^(https?):\/\/(\*\.)?([^/:]+)/.exec(origin);
    if (!m || u.protocol !== `${m[1]}:`) return false;
    return m[2] ? u.hostname.endsWith(`.${m[3]}`) : u.hostname === m[3];
  });
}
