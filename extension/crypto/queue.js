// Turns a batch of plaintext Files into encrypted Files, one worker job each.
// Fail closed: any error, a cancel, or a locked vault that is not unlocked in
// time rejects the whole batch, and the page gets nothing.
import { ext } from '../shared/api.js';
import { MSG, send } from '../shared/messages.js';

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

function randomName() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class EncryptionQueue {
  constructor(panel) {
    this.panel = panel;
    this.worker = null;
    this.jobs = new Map();
    this.nextJob = 1;
  }

  ensureWorker() {
    if (this.worker) return this.worker;
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => {
      const job = this.jobs.get(e.data?.job);
      if (!job) return;
      if (e.data.type === 'progress') job.onProgress(e.data.done);
      else {
        this.jobs.delete(e.data.job);
        if (e.data.type === 'done') job.resolve(e.data);
        else job.reject(new CloakError(e.data.code || 'error', e.data.message || 'Encryption failed.'));
      }
    };
    this.worker.onerror = (e) => this.failAll(new CloakError('worker', `Cloak's encryption worker crashed (${e.message || 'unknown error'}).`));
    return this.worker;
  }

  failAll(err) {
    for (const job of this.jobs.values()) job.reject(err);
    this.jobs.clear();
    this.worker?.terminate();
    this.worker = null;
  }

  run(request, onProgress) {
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      this.jobs.set(job, { resolve, reject, onProgress });
      this.ensureWorker().postMessage({ ...request, job });
    });
  }

  async encrypt(files, paths) {
    let cancelled = false;
    const panel = this.panel;
    panel.start(files, () => {
      cancelled = true;
      this.failAll(new CloakError('cancelled', 'You cancelled the upload.'));
    });
    try {
      const key = await unlockedKey(panel, () => cancelled);
      const { settings = {} } = await ext.storage.local.get('settings');
      const totalBytes = files.reduce((n, f) => n + f.size, 0);
      let before = 0;
      const out = [];
      const outPaths = [];
      for (const [i, file] of files.entries()) {
        if (cancelled) throw new CloakError('cancelled', 'You cancelled the upload.');
        const result = await this.run({ file, keyBytes: key, pad: Boolean(settings.pad) }, (done) => {
          panel.progress(i, file.size ? done / file.size : 1, before + done, totalBytes);
        });
        const name = settings.hideNames ? `${randomName()}.cloak` : `${file.name}.cloak`;
        // A fresh lastModified gives every encryption its own identity, so a
        // resumable uploader never splices two different ciphertexts.
        out.push(new File([result.file], name, { type: 'application/octet-stream', lastModified: Date.now() }));
        outPaths.push(paths[i] ? paths[i].replace(/[^/]*$/, name) : '');
        before += file.size;
        panel.progress(i, 1, before, totalBytes);
        send(ext, MSG.RECORD_OP, { name: file.name, status: 'encrypted', size: file.size }).catch(() => {});
      }
      panel.done(out.length);
      return { files: out, paths: outPaths };
    } catch (err) {
      const e = err instanceof CloakError ? err : new CloakError('error', `Encryption failed: ${err.message}`);
      panel.fail(e.message);
      throw e;
    }
  }
}
