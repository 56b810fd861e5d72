// Dedicated worker of the download decrypter: fetches a .cloak URL with the
// user's credentials, from the extension's origin (host permission), and
// stream-decrypts it into the extension's private storage (OPFS), so memory
// stays bounded whatever the size. Tells its owner when a valid header arrived
// (the moment the original download may be cancelled), and releases the file
// only after its last chunk authenticated; on any failure the staged bytes are
// deleted.
import init, { safeRelativePath } from '../lib/wasm/cloak.js';
import { Sink, stagingDir, sweepStale } from '../lib/staging.js';
import { decryptStream } from '../lib/decrypt.js';
import { ignoring } from '../lib/ignoring.js';

const ready = init();
const DIR = 'downloads';
const STALE_MS = 6 * 3600_000;
const PROGRESS_STEP = 4 << 20;
const PROGRESS_MS = 5000; // at least this often while bytes arrive: the owner's watchdog listens
const STALL_MS = 30_000; // a server silent this long has stopped sending

// Leftovers of an earlier session (a crash, a browser closed mid-download).
const swept = sweepStale(DIR, STALE_MS).catch(ignoring('sweeping stale staging files'));

class FetchError extends Error {
  constructor(message) {
    super(message);
    this.code = 'fetch_failed';
  }
}

// Firefox delivers a response to the worker as fast as the network allows,
// whatever the reader consumes, and its parent process holds what the worker
// has not read yet: a fast server piles the file up in memory while decryption
// catches up (measured: +1 GiB for 512 MiB in one response; +673 MiB for
// 1 GiB in 32 MiB windows, +259 MiB in 4 MiB windows). Where the server
// honours ranges, the file is therefore fetched in small windows, the next one
// requested while the current one is read so that a slow round trip is not
// paid per window; the first response decides.
const WINDOW = 4 << 20;

const stalled = () => new FetchError(`The server stopped sending the file for ${STALL_MS / 1000} seconds.`);

async function request(url, headers = {}) {
  let response;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), STALL_MS);
  try {
    response = await fetch(url, { credentials: 'include', cache: 'no-store', redirect: 'follow', headers, signal: abort.signal });
  } catch (err) {
    throw abort.signal.aborted ? stalled() : new FetchError(`Cloak could not download the file again (${err.message}).`);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) {
    throw new FetchError(`Cloak could not download the file again (HTTP ${response.status}).`);
  }
  return response;
}

// The buffer every response of this worker is read into, one after another;
// a download reads a new response every 4 MiB. In Chromium, BYOB reads of
// Blob streams (not responses) stall for good, even into one reused buffer,
// so Chromium reads Files with the default reader (staging.js); responses
// read this way have passed 8 GiB downloads.
let spare = null;

/**
 * A reader of `body` into the worker's one reused buffer (BYOB): each chunk
 * read is consumed before the next read, so the response leaves no garbage
 * behind. Responses are read one at a time.
 */
function reusingReader(body) {
  let reader;
  try {
    reader = body.getReader({ mode: 'byob' });
  } catch {
    return body.getReader();
  }
  let buffer = spare ?? new ArrayBuffer(256 << 10);
  spare = null;
  return {
    async read() {
      const step = await reader.read(new Uint8Array(buffer));
      buffer = step.value?.buffer;
      if (!step.done) return step;
      spare = buffer ?? null;
      return { done: true, value: undefined };
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/** `Content-Range: bytes a-b/total` → {start, total}, or null. */
function contentRange(response) {
  const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers.get('content-range') || '');
  return m ? { start: Number(m[1]), total: Number(m[2]) } : null;
}

/** A reader over the whole file: one response, or consecutive range windows of the same version. */
async function open(url) {
  const first = await request(url, { Range: `bytes=0-${WINDOW - 1}` });
  const range = first.status === 206 ? contentRange(first) : null;
  if (!range || range.start !== 0) {
    return { reader: reusingReader(first.body), total: Number(first.headers.get('content-length')) || 0 };
  }
  const validator = first.headers.get('etag') || first.headers.get('last-modified');
  let at = 0; // bytes handed to the caller
  let requested = Math.min(WINDOW, range.total); // bytes asked for so far
  let reader = reusingReader(first.body);
  let end = requested; // where the window being read ends

  /** Requests the window after the last one asked for; null past the end. */
  const ask = () => {
    if (requested >= range.total) return null;
    const start = requested;
    const stop = Math.min(start + WINDOW, range.total);
    requested = stop;
    const headers = { Range: `bytes=${start}-${stop - 1}` };
    if (validator) headers['If-Range'] = validator;
    const response = request(url, headers).then((r) => {
      const got = contentRange(r);
      if (r.status === 206 && got && got.start === start && got.total === range.total) return { r, stop };
      r.body.cancel().catch(ignoring('cancelling an unused response'));
      throw new FetchError('The file changed on the server while Cloak downloaded it.');
    });
    response.catch(ignoring('a prefetched range; its failure is reported when awaited'));
    return response;
  };

  let next = ask(); // the following window's response, requested ahead
  const windows = {
    async read() {
      for (;;) {
        const step = await reader.read();
        if (!step.done) {
          at += step.value.length;
          return step;
        }
        if (at !== end) throw new FetchError('The server ended part of the file early.');
        if (!next) return step;
        const { r, stop } = await next;
        reader = reusingReader(r.body);
        end = stop;
        next = ask();
      }
    },
    cancel() {
      next?.then(({ r }) => r.body.cancel()).catch(ignoring('cancelling a prefetched range'));
      return reader.cancel();
    },
  };
  return { reader: windows, total: range.total };
}

/** `reader`, failing a read that waits longer than STALL_MS. */
function guarded(reader) {
  return {
    async read() {
      let timer;
      const silence = new Promise((_, reject) => {
        timer = setTimeout(() => reject(stalled()), STALL_MS);
      });
      try {
        return await Promise.race([reader.read(), silence]);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: () => reader.cancel?.().catch(ignoring('cancelling the download reader')),
  };
}

async function decryptUrl({ job, url, keys }) {
  await swept;
  let headerOk = false;
  let sink = null;
  let reader = null;
  try {
    const opened = await open(url);
    const { total } = opened;
    reader = guarded(opened.reader);
    sink = await Sink.open(DIR);
    let reported = 0;
    let reportedAt = performance.now();
    const metadata = await decryptStream(reader, keys, sink, {
      onHeader: async () => {
        headerOk = true;
        postMessage({ type: 'header', job, total });
      },
      onProgress: (done) => {
        if (done - reported < PROGRESS_STEP && performance.now() - reportedAt < PROGRESS_MS) return;
        reported = done;
        reportedAt = performance.now();
        postMessage({ type: 'progress', job, done, total });
      },
    });
    const file = await sink.close();
    // A file whose folders were hidden goes back into them (FORMAT §3.1).
    const name = safeRelativePath(metadata?.folder || '', metadata?.name || '');
    postMessage({ type: 'done', job, file, name, staged: sink.opfs?.name ?? null, size: file.size });
  } catch (err) {
    reader?.cancel();
    await sink?.discard();
    postMessage({ type: 'failed', job, headerOk, code: err.code || 'error', message: err.message });
  }
}

async function remove({ staged }) {
  const dir = await stagingDir(DIR);
  await dir?.removeEntry(staged).catch(ignoring('removing a staged download (swept at the next start)'));
}

onmessage = async (e) => {
  await ready;
  const msg = e.data;
  if (msg?.type === 'decrypt' && typeof msg.url === 'string' && Array.isArray(msg.keys)) decryptUrl(msg);
  else if (msg?.type === 'remove' && typeof msg.staged === 'string') remove(msg);
};
