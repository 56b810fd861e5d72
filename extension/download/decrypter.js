// Owns the download decrypter's worker, in a document that can make `blob:`
// URLs for the downloads API: Chromium's offscreen document, Firefox's
// background page. Each job ends as `done` (with a blob: URL of the staged,
// authenticated plaintext) or `failed`; `release` revokes the URL and deletes
// the staged file once the browser has saved it.

export class DownloadDecrypter {
  /** `onEvent({type, job, ...})` receives header, progress, done and failed events. */
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.worker = null;
    this.done = new Map(); // job -> {url, staged}
  }

  ensureWorker() {
    if (this.worker) return this.worker;
    this.worker = new Worker(new URL('./decrypt-worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => this.fromWorker(e.data);
    this.worker.onerror = (e) => console.error('Cloak: download worker error', e.message);
    return this.worker;
  }

  fromWorker(msg) {
    if (msg.type === 'done') {
      // An untyped blob lets Chromium sniff the bytes and change the name's
      // extension (a 1 GiB "large.bin" was saved as "large.txt"); octet-stream
      // keeps the name from the metadata. The wrapper stays disk-backed.
      const url = URL.createObjectURL(new Blob([msg.file], { type: 'application/octet-stream' }));
      this.done.set(msg.job, { url, staged: msg.staged });
      this.onEvent({ type: 'done', job: msg.job, url, name: msg.name, size: msg.size });
    } else {
      this.onEvent(msg);
    }
  }

  /** Fetches and decrypts `url` with the hex vault keys `keys`. */
  start(job, url, keys) {
    this.ensureWorker().postMessage({ type: 'decrypt', job, url, keys });
  }

  release(job) {
    const entry = this.done.get(job);
    if (!entry) return;
    this.done.delete(job);
    URL.revokeObjectURL(entry.url);
    if (entry.staged) this.ensureWorker().postMessage({ type: 'remove', staged: entry.staged });
  }
}
