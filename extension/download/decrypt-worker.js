// Dedicated worker of the download decrypter: fetches a .cloak URL with the
// user's credentials, from the extension's origin (host permission), and
// stream-decrypts it into the extension's private storage (OPFS), so memory
// stays bounded whatever the size. Tells its owner when a valid header arrived
// (the moment the original download may be cancelled), and releases the file
// only after its last chunk authenticated; on any failure the staged bytes are
// deleted.
import init, { safeFileName } from '../crypto/wasm/cloak.js';
import { Sink, stagingDir } from '../shared/staging.js';
import { decryptStream } from '../shared/decrypt.js';

const ready = init();
const DIR = 'downloads';
const STALE_MS = 6 * 3600_000;
const PROGRESS_STEP = 4 << 20;

// Leftovers of an earlier session (a crash, a browser closed mid-download).
async function sweep() {
  const dir = await stagingDir(DIR);
  if (!dir) return;
  for await (const [name, handle] of dir.entries()) {
    try {
      if (Date.now() - (await handle.getFile()).lastModified > STALE_MS) await dir.removeEntry(name);
    } catch {
      // in use or already gone
    }
  }
}
const swept = ready.then(sweep).catch(() => {});

class FetchError extends Error {
  constructor(message) {
    super(message);
    this.code = 'fetch_failed';
  }
}

async function open(url) {
  let response;
  try {
    response = await fetch(url, { credentials: 'include', cache: 'no-store', redirect: 'follow' });
  } catch (err) {
    throw new FetchError(`Cloak could not download the file again (${err.message}).`);
  }
  if (!response.ok || !response.body) {
    throw new FetchError(`Cloak could not download the file again (HTTP ${response.status}).`);
  }
  return { reader: response.body.getReader(), total: Number(response.headers.get('content-length')) || 0 };
}

async function decryptUrl({ job, url, keys }) {
  await swept;
  let headerOk = false;
  let sink = null;
  try {
    const { reader, total } = await open(url);
    sink = await Sink.open(DIR);
    let reported = 0;
    const metadata = await decryptStream(reader, keys, sink, {
      onHeader: async () => {
        headerOk = true;
        postMessage({ type: 'header', job, total });
      },
      onProgress: (done) => {
        if (done - reported < PROGRESS_STEP) return;
        reported = done;
        postMessage({ type: 'progress', job, done, total });
      },
    });
    const file = await sink.close();
    const name = safeFileName(metadata?.name || '');
    postMessage({ type: 'done', job, file, name, staged: sink.opfs?.name ?? null, size: file.size });
  } catch (err) {
    await sink?.discard();
    postMessage({ type: 'failed', job, headerOk, code: err.code || 'error', message: err.message });
  }
}

async function remove({ staged }) {
  const dir = await stagingDir(DIR);
  await dir?.removeEntry(staged).catch(() => {});
}

onmessage = async (e) => {
  await ready;
  const msg = e.data;
  if (msg?.type === 'decrypt' && typeof msg.url === 'string' && Array.isArray(msg.keys)) decryptUrl(msg);
  else if (msg?.type === 'remove' && typeof msg.staged === 'string') remove(msg);
};
