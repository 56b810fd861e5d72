// The vault page's worker: decrypts .cloak files and encrypts anything else,
// streaming into the extension's private storage (OPFS) so memory stays
// bounded. A decrypted file is released to the page only after its last chunk
// authenticated; on failure the staged bytes are deleted.
import init from '../lib/wasm/cloak.js';
import { sealFile } from '../lib/seal.js';
import { Sink, allowReusedReads, fileReader, readerWornOut } from '../lib/staging.js';
import { decryptStream, hasMagic } from '../lib/decrypt.js';
import { ignoring } from '../lib/ignoring.js';

const ready = init();
const DIR = 'vault';
const PROGRESS_STEP = 2 << 20;

function progressReporter(job) {
  let reported = 0;
  return (done) => {
    if (done - reported > PROGRESS_STEP) {
      postMessage({ type: 'progress', job, done });
      reported = done;
    }
  };
}

async function decrypt(file, keys, sink, job) {
  const reader = fileReader(file);
  try {
    const metadata = await decryptStream(reader, keys, sink, { onProgress: progressReporter(job) });
    return { op: 'decrypted', metadata };
  } catch (err) {
    await reader.cancel(err).catch(ignoring('cancelling a failed read'));
    throw err;
  }
}

async function encrypt(file, keys, sink, job) {
  const expected = await sealFile(file, keys[0], { sink, onProgress: progressReporter(job) });
  if (sink.at !== expected) throw new Error(`${file.name} changed while it was read`);
  return { op: 'encrypted', metadata: { name: `${file.name}.cloak` } };
}

async function run({ job, file, keys, reusedReads }) {
  await ready;
  allowReusedReads(reusedReads);
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  const sink = await Sink.open(DIR);
  try {
    const isCloak = hasMagic(head) || file.name.endsWith('.cloak');
    const { op, metadata } = await (isCloak ? decrypt : encrypt)(file, keys, sink, job);
    const out = await sink.close();
    postMessage({ type: 'done', job, op, file: out, metadata, wornOut: readerWornOut() });
  } catch (err) {
    await sink.discard();
    postMessage({ type: 'failed', job, wornOut: readerWornOut(), code: err.code || 'error', message: err.message });
  }
}

onmessage = (e) => run(e.data);
