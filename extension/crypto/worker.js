// Dedicated worker: streams a File through the WASM encryptor and stages the
// ciphertext in the extension's private storage (OPFS), so memory stays bounded
// and the File handed back is disk-backed. Falls back to memory where OPFS is
// unavailable.
import init, { Encryptor, VaultKey, planEncryption } from './wasm/cloak.js';
import { sealWithWebCrypto } from './engine.js';
import { Sink, fileMetadata, hexToBytes, readFile, sweepStale } from '../shared/staging.js';

const ready = init();
const STAGING = 'staging';
const STALE_MS = 24 * 3600_000;

// Staged files are deleted once stale; the page may still be uploading recent ones.
const swept = sweepStale(STAGING, STALE_MS);

// Bulk path: WebCrypto AES-GCM over the crate's plan.
async function sealFast(file, key, pad, sink, onProgress) {
  const plan = planEncryption([key], [], fileMetadata(file), pad);
  await sealWithWebCrypto(plan, file, (bytes) => sink.write(bytes), onProgress);
  return plan.totalLength;
}

// Reference path: the crate's own AES-GCM engine, when WebCrypto is missing.
async function sealReference(file, key, pad, sink, onProgress) {
  const enc = new Encryptor([key], [], fileMetadata(file), pad);
  try {
    const expected = enc.expectedLength();
    sink.write(enc.head());
    await readFile(file, (bytes, done) => {
      sink.write(enc.push(bytes));
      onProgress(done);
    });
    sink.write(enc.finish());
    return expected;
  } finally {
    enc.free();
  }
}

async function encryptFile({ job, file, keyBytes, pad, engine }) {
  await ready;
  await swept;
  const key = VaultKey.fromBytes(hexToBytes(keyBytes));
  const sink = await Sink.open(STAGING, { memoryFallback: true });
  let reported = 0;
  const onProgress = (done) => {
    if (done - reported > 4 << 20) {
      postMessage({ type: 'progress', job, done });
      reported = done;
    }
  };
  try {
    const useWebCrypto = engine !== 'reference' && globalThis.crypto?.subtle;
    const expected = await (useWebCrypto ? sealFast : sealReference)(file, key, pad, sink, onProgress);
    if (sink.at !== expected) throw new Error('the file changed while it was read');
    const out = await sink.close();
    postMessage({ type: 'done', job, file: out });
  } catch (err) {
    await sink.discard();
    postMessage({ type: 'failed', job, code: err.code || 'error', message: `Encryption failed: ${err.message}` });
  } finally {
    key.free();
  }
}

onmessage = (e) => {
  encryptFile(e.data);
};
