// Chromium's side of the per-browser differences (the build makes
// platform/browser.js export this module or firefox.js; docs/ARCHITECTURE.md).
import { ext } from './api.js';
import { MSG, send } from '../lib/messages.js';

/** Whether workers may read Files into a reused buffer: in Chromium they stall (lib/staging.js). */
export const REUSED_FILE_READS = false;

const OFFSCREEN_PATH = 'extension/download/offscreen.html';

async function ensureOffscreen() {
  const contexts = await ext.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] });
  if (contexts.length) return;
  await ext.offscreen.createDocument({
    url: OFFSCREEN_PATH, reasons: ['BLOBS'], justification: 'Save decrypted downloads through blob: URLs',
  }).catch((err) => {
    if (!/single offscreen/i.test(String(err?.message))) throw err;
  });
}

/**
 * Where downloads are decrypted: a service worker cannot make blob: URLs, so
 * an offscreen document does, and asks the background for the keys itself.
 */
export function decrypterHost() {
  return {
    async start(job, url) {
      await ensureOffscreen();
      await send(ext, MSG.DOWNLOAD_DECRYPT, { job, url });
    },
    release(job) {
      send(ext, MSG.DOWNLOAD_RELEASE, { job }).catch((err) => console.warn('Cloak: releasing download job', job, 'failed:', err));
    },
  };
}

/**
 * Calls `onNew(item, { hold, pass })` for each download Cloak did not start.
 * The file name is decided in onDeterminingFilename, and holding its
 * `suggest` holds the download: `hold()` pauses it (cancel() or release()
 * later), `pass()` lets it go. Cloak's own downloads get `ownName(url)`.
 */
export function watchDownloads({ ownName, onNew }) {
  ext.downloads.onDeterminingFilename.addListener((item, suggest) => {
    if (item.byExtensionId === ext.runtime.id) {
      const name = ownName(item.url);
      if (name) suggest({ filename: name, conflictAction: 'uniquify' });
      else suggest();
      return false;
    }
    onNew(item, { hold: () => holdPaused(item, suggest), pass: () => suggest() });
    return true;
  });
}

function holdPaused(item, suggest) {
  const ignore = (what) => (err) => console.warn(`Cloak: ${what} download ${item.id} failed:`, err);
  ext.downloads.pause(item.id).catch(ignore('pausing'));
  return {
    original: true,
    async cancel() {
      await ext.downloads.cancel(item.id).catch(ignore('cancelling'));
      await ext.downloads.erase({ id: item.id }).catch(ignore('erasing'));
    },
    release() {
      suggest();
      ext.downloads.resume(item.id).catch(ignore('resuming'));
    },
  };
}
