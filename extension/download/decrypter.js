// Owns the download decrypter's worker, in a document that can make `blob:`
// URLs for the downloads API: Chromium's offscreen document, Firefox's
// background page. Each job ends as `done` (with a blob: URL of the staged,
// authenticated plaintext) or `failed`; `release` revokes the URL and deletes
// the staged file once the browser has saved it. A job whose worker crashed
// or went silent fails too, so no download is held forever.

const SILENCE_MS = 90_000; // the worker reports at least every 5 s while bytes arrive

export class DownloadDecrypter {
  /** `onEvent({type, job, ...})` receives header, progress, done and failed events. */
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.worker = null;
    this.done = new Map(); // job -> {url, staged}
    this.active = new Map(); // job -> {headerOk, heardAt}
    this.watchdog = null;
  }

  ensureWorker() {
    if (this.worker) return this.worker;
    this.worker = new Worker(new URL('./decrypt-worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => this.fromWorker(e.data);
    this.worker.onerror = (e) => this.failActive(`Cloak's download worker crashed (${e.message || 'unknown error'}).`);
    return this.worker;
  }

  /** Ends every running job as failed and starts the next job in a new worker. */
  failActive(message) {
    this.worker?.terminate();
    this.worker = null;
    const jobs = [...this.active];
    this.active.clear();
    this.watch();
    for (const [job, { headerOk }] of jobs) this.onEvent({ type: 'failed', job, headerOk, code: 'worker', message });
  }

  /** Checks, while jobs run, that the worker still reports. */
  watch() {
    if (this.active.size && !this.watchdog) {
      this.watchdog = setInterval(() => {
        const now = Date.now();
        if ([...this.active.values()].some((a) => now - a.heardAt > SILENCE_MS)) {
          this.failActive(`Cloak's download worker stopped answering for ${SILENCE_MS / 1000} seconds.`);
        }
      }, SILENCE_MS / 6);
    } else if (!this.active.size && this.watchdog) {
      clearInterval(this.watchdog);
      this.watchdog = null;
    }
  }

  fromWorker(msg) {
    const running = this.active.get(msg.job);
    if (running) {
      running.heardAt = Date.now();
      if (msg.type === 'header') running.headerOk = true;
      if (msg.type === 'done' || msg.type === 'failed') {
        this.active.delete(msg.job);
        this.watch();
      }
    }
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
    this.active.set(job, { headerOk: false, heardAt: Date.now() });
    this.watch();
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
