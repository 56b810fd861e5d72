// Dedicated worker: streams a File through the WASM encryptor and stages the
// ciphertext in the extension's private storage (OPFS), so memory stays bounded
// and the File handed back is disk-backed. Falls back to memory where OPFS is
// unavailable.
import init, { Encryptor, VaultKey, planEncryption } from './wasm/cloak.js';
import { sealWithWebCrypto } from './engine.js';

const ready = init();
const STAGING = 'staging';
const STALE_MS = 24 * 3600_000;

function hexToBytes(hex) {
  return Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
}

async function stagingDir() {
  try {
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(STAGING, { create: true });
  } catch {
    return null;
  }
}

// Staged files are deleted once stale; the page may still be uploading recent ones.
async function sweep(dir) {
  for await (const [name, handle] of dir.entries()) {
    try {
      const f = await handle.getFile();
      if (Date.now() - f.lastModified > STALE_MS) await dir.removeEntry(name);
    } catch {
      // in use or already gone
    }
  }
}
const swept = stagingDir().then((dir) => dir && sweep(dir));

class Sink {
  static async open() {
    const dir = await stagingDir();
    if (dir) {
      const name = `${crypto.randomUUID()}.cloak`;
      const handle = await dir.getFileHandle(name, { create: true });
      const access = await handle.createSyncAccessHandle();
      return new Sink({ dir, name, handle, access });
    }
    return new Sink(null);
  }

  constructor(opfs) {
    this.opfs = opfs;
    this.parts = [];
    this.at = 0;
  }

  write(bytes) {
    if (!bytes.length) return;
    if (this.opfs) this.opfs.access.write(bytes, { at: this.at });
    else this.parts.push(bytes);
    this.at += bytes.length;
  }

  async close() {
    if (!this.opfs) return new Blob(this.parts);
    this.opfs.access.flush();
    this.opfs.access.close();
    return this.opfs.handle.getFile();
  }

  async discard() {
    if (!this.opfs) return;
    try {
      this.opfs.access.close();
    } catch {
      // already closed
    }
    await this.opfs.dir.removeEntry(this.opfs.name).catch(() => {});
  }
}

function metadataOf(file) {
  const metadata = { name: file.name, mtime: file.lastModified, size: file.size };
  if (file.type) metadata.type = file.type;
  return metadata;
}

// Bulk path: WebCrypto AES-GCM over the crate's plan.
async function sealFast(file, key, pad, sink, onProgress) {
  const plan = planEncryption([key], [], metadataOf(file), pad);
  await sealWithWebCrypto(plan, file, (bytes) => sink.write(bytes), onProgress);
  return plan.totalLength;
}

// Reference path: the crate's own AES-GCM engine, when WebCrypto is missing.
async function sealReference(file, key, pad, sink, onProgress) {
  const enc = new Encryptor([key], [], metadataOf(file), pad);
  try {
    const expected = enc.expectedLength();
    sink.write(enc.head());
    const reader = file.stream().getReader();
    let done = 0;
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      sink.write(enc.push(value));
      done += value.length;
      onProgress(done);
    }
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
  const sink = await Sink.open();
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
