// Firefox's side of the per-browser differences (the build makes
// platform/browser.js export this module or chromium.js; docs/ARCHITECTURE.md).
import { ext } from './api.js';
import { DownloadDecrypter } from '../download/decrypter.js';

/** Whether workers may read Files into a reused buffer: Firefox's Blob streams read 8 GiB so in one worker. */
export const REUSED_FILE_READS = true;

/** Where downloads are decrypted: the MV3 background page itself can make blob: URLs. */
export function decrypterHost({ onEvent, keys }) {
  let local = null;
  return {
    async start(job, url) {
      local ??= new DownloadDecrypter(onEvent);
      local.start(job, url, await keys());
    },
    release(job) {
      local?.release(job);
    },
  };
}

/**
 * Calls `onNew(item, { hold, pass })` for each download Cloak did not start.
 * Firefox's download has its path already and cannot be held: it runs on
 * while Cloak decrypts, and `hold().cancel()` ends it (see holdRunning).
 */
export function watchDownloads({ ownName, onNew }) {
  ext.downloads.onCreated.addListener((item) => {
    if (item.byExtensionId === ext.runtime.id || ownName(item.url)) return;
    onNew(item, { hold: () => holdRunning(item), pass: () => {} });
  });
}

// Firefox resumes a paused download with a new (range) request, which a
// single-use or POST-only URL refuses: the original is left running and is
// cancelled, or its finished file removed, once the header proved valid.
function holdRunning(item) {
  const ignore = (what) => (err) => console.warn(`Cloak: ${what} download ${item.id} failed:`, err);
  return {
    original: true,
    // Cancel first, then look: one that finished before the cancel took
    // effect has a complete file, which is removed. (Looking first left the
    // ciphertext behind when the download finished between the look and the cancel.)
    async cancel() {
      await ext.downloads.cancel(item.id).catch(ignore('cancelling'));
      const [now] = await ext.downloads.search({ id: item.id });
      if (now?.state === 'complete') await ext.downloads.removeFile(item.id).catch(ignore('removing the file of'));
      await ext.downloads.erase({ id: item.id }).catch(ignore('erasing'));
    },
    release() {},
  };
}
