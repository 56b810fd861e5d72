// Turns a batch of plaintext Files into encrypted Files, one worker job each.
// Fail closed: any error, a cancel, or a locked vault that is not unlocked in
// time rejects the whole batch, and the page gets nothing.
import { ext } from '../platform/api.js';
import { REUSED_FILE_READS as reusedFileReads } from '../platform/browser.js';
import { MSG, send } from '../lib/messages.js';
import { ignoring } from '../lib/ignoring.js';

const UNLOCK_TIMEOUT_MS = 5 * 60_000;

class CloakError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function vaultKey() {
  const reply = await send(ext, MSG.VAULT_KEY);
  if (!reply?.ok) throw new CloakError('error', 'Cloak could not reach its background.');
  if (reply.result.setupPending) {
    throw new CloakError('setup', 'Finish setting up Cloak: confirm your recovery key on its setup page (toolbar button). Nothing was uploaded.');
  }
  return reply.result.locked ? null : reply.result.key;
}

async function unlockedKey(panel, cancelled) {
  let key = await vaultKey();
  if (key) return key;
  panel.waiting('Cloak is locked. Unlock it in the window that opened to continue this upload.');
  await send(ext, MSG.REQUEST_UNLOCK);
  const deadline = Date.now() + UNLOCK_TIMEOUT_MS;
  while (!key) {
    if (cancelled()) throw new CloakError('cancelled', 'You cancelled the upload.');
    if (Date.now() > deadline) throw new CloakError('locked', 'Cloak stayed locked.');
    await new Promise((r) => setTimeout(r, 400));
    key = await vaultKey();
  }
  return key;
}

/**
 * With "hide file names", the path the site sees for each file: every folder
 * component replaced by a random name, the same one for the same folder
 * within this selection, so the tree keeps its shape and nothing of its
 * names. Returns [sitePaths, realFolders]; the real folders travel only in
 * the encrypted metadata.
 */
function hiddenPaths(paths, names) {
  const folderNames = new Map(); // real folder path -> random name of its last component
  const sitePaths = [];
  const realFolders = [];
  for (const [i, path] of paths.entries()) {
    const parts = path ? path.split('/').slice(0, -1) : [];
    const hidden = parts.map((_, k) => {
      const real = parts.slice(0, k + 1).join('/');
      if (!folderNames.has(real)) folderNames.set(real, randomName());
      return folderNames.get(real);
    });
    sitePaths[i] = parts.length ? [...hidden, names[i]].join('/') : '';
    realFolders[i] = parts.join('/');
  }
  return [sitePaths, realFolders];
}

function randomName() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** How the popup's Recent list names a selection: the file, or the folder and a count. */
function batchLabel(files, paths) {
  if (files.length === 1) return files[0].name;
  const top = paths[0]?.split('/')[0];
  const count = `${files.length.toLocaleString('en')} files`;
  return top && paths.every((p) => p.startsWith(`${top}/`)) ? `${top}/ (${count})` : count;
}

export class EncryptionQueue {
  constructor(panel) {
    this.panel = panel;
    this.worker = null;
    this.jobs = new Map();
    this.nextJob = 1;
    this.lastStamp = 0;
  }

  ensureWorker() {
    if (this.worker) return this.worker;
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => {
      const job = this.jobs.get(e.data?.job);
      if (!job) return;
      if (e.data.type === 'progress') job.onProgress(e.data.index, e.data.done);
      else if (e.data.type === 'segment') job.onSegment(e.data);
      else {
        this.jobs.delete(e.data.job);
        if (e.data.type === 'done') job.resolve(e.data);
        else job.reject(new CloakError(e.data.code || 'error', e.data.message || 'Encryption failed.'));
        // It read all it should through its reused buffer (lib/staging.js).
        if (e.data.wornOut === true && !this.jobs.size) this.replaceWorker();
      }
    };
    this.worker.onerror = (e) => this.failAll(new CloakError('worker', `Cloak's encryption worker crashed (${e.message || 'unknown error'}).`));
    return this.worker;
  }

  /** A fresh worker, loaded ahead of the next selection; the Files the old one made stay readable. */
  replaceWorker() {
    this.worker?.terminate();
    this.worker = null;
    this.ensureWorker();
  }

  failAll(err) {
    for (const job of this.jobs.values()) job.reject(err);
    this.jobs.clear();
    this.worker?.terminate();
    this.worker = null;
  }

  /**
   * A lastModified no other encryption from this frame shares: resumable
   * uploaders identify a file by name, type, size and lastModified, so two
   * ciphertexts (the same file selected twice, or two same-named files of one
   * folder) must never look alike, or one could be resumed onto the other.
   */
  stamp() {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  run(request, { onProgress, onSegment }) {
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      this.jobs.set(job, { resolve, reject, onProgress, onSegment });
      this.ensureWorker().postMessage({ ...request, job, reusedReads: reusedFileReads });
    });
  }

  async encrypt(files, paths) {
    let cancelled = false;
    const panel = this.panel;
    panel.start(files, () => {
      cancelled = true;
      this.failAll(new CloakError('cancelled', 'You cancelled the upload.'));
    });
    const before = []; // bytes of the files ahead of each one
    let totalBytes = 0;
    for (const file of files) {
      before.push(totalBytes);
      totalBytes += file.size;
    }
    try {
      const key = await unlockedKey(panel, () => cancelled);
      const { settings = {} } = await ext.storage.local.get('settings');
      const out = [];
      let made = 0;
      const names = files.map((f) => (settings.hideNames ? `${randomName()}.cloak` : `${f.name}.cloak`));
      const [outPaths, folders] = settings.hideNames
        ? hiddenPaths(paths, names)
        : [paths.map((p, i) => (p ? p.replace(/[^/]*$/, names[i]) : '')), []];
      // The worker posts the ciphertexts a segment at a time; each File is a slice of one.
      const onSegment = ({ first, spans, file: staged }) => {
        for (const [k, [start, end]] of spans.entries()) {
          const i = first + k;
          out[i] = new File([staged.slice(start, end)], names[i], { type: 'application/octet-stream', lastModified: this.stamp() });
          made++;
        }
      };
      const onProgress = (index, done) => {
        panel.progress(index, files[index].size ? done / files[index].size : 1, before[index] + done, totalBytes);
      };
      if (cancelled) throw new CloakError('cancelled', 'You cancelled the upload.');
      await this.run({ files, folders, keyBytes: key, pad: Boolean(settings.pad) }, { onProgress, onSegment });
      if (cancelled) throw new CloakError('cancelled', 'You cancelled the upload.');
      if (made !== files.length) throw new CloakError('error', 'Encryption failed: a file is missing from the output.');
      send(ext, MSG.RECORD_OP, { name: batchLabel(files, paths), status: 'encrypted', size: totalBytes }).catch(ignoring('recording an upload for the popup'));
      panel.done(out.length);
      return { files: out, paths: outPaths };
    } catch (err) {
      const e = err instanceof CloakError ? err : new CloakError('error', `Encryption failed: ${err.message}`);
      panel.fail(e.message);
      send(ext, MSG.RECORD_OP, { name: batchLabel(files, paths), status: 'blocked', size: totalBytes, code: e.code, message: e.message.slice(0, 1000) }).catch(ignoring('recording a blocked upload for the popup'));
      throw e;
    }
  }
}
