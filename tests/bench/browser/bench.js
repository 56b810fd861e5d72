// Baselines and peers, in an ordinary page (peers load from node_modules
// through the import map the bench server inserts). Each function takes the
// input size and returns {encryptMs, decryptMs}. The engine rows take random
// bytes in memory made before the clock starts; the peers' path rows (`*File`)
// take what Cloak's row takes, an OPFS File, read through file.stream(), and
// make a Blob, so that the peers pay for reading and writing as Cloak does.
import sodiumModule from 'libsodium-wrappers';
import * as age from 'age-encryption';
import * as openpgp from 'openpgp';
import initCloak, { Decryptor, Encryptor, VaultKey } from 'cloak';

const MIB = 1 << 20;

function randomBytes(n) {
  const b = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) crypto.getRandomValues(b.subarray(at, at + 65536));
  return b;
}

/** A ReadableStream of `input` in `piece`-byte views. */
function streamOf(input, piece = MIB) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= input.length) c.close();
      else {
        c.enqueue(input.subarray(at, at + piece));
        at += piece;
      }
    },
  }, { highWaterMark: 0 });
}

/** Reads a stream to its end; returns the byte count (nothing kept). */
async function drain(stream) {
  let n = 0;
  for (const reader = stream.getReader(); ;) {
    const { value, done } = await reader.read();
    if (done) return n;
    n += value.length;
  }
}

async function collect(stream) {
  const parts = [];
  for (const reader = stream.getReader(); ;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return new Blob(parts);
}

/**
 * The peers' input for the path rows: `bytes` random bytes in an OPFS file of
 * this page's origin, written once, as Cloak's row gets in its extension page.
 */
let peerInput = null;
async function opfsInput(bytes) {
  if (peerInput?.size === bytes) return peerInput;
  const root = await navigator.storage.getDirectory();
  const handle = await root.getFileHandle('bench-peer-input.bin', { create: true });
  const w = await handle.createWritable();
  for (let at = 0; at < bytes; at += MIB) await w.write(randomBytes(Math.min(MIB, bytes - at)));
  await w.close();
  peerInput = await handle.getFile();
  return peerInput;
}

/** `stream`'s bytes in pieces of exactly `size` (the last may be shorter), as hat.sh cuts a File. */
async function* pieces(stream, size) {
  let buf = new Uint8Array(size);
  let fill = 0;
  for (const reader = stream.getReader(); ;) {
    const { value, done } = await reader.read();
    if (done) break;
    for (let at = 0; at < value.length;) {
      const n = Math.min(size - fill, value.length - at);
      buf.set(value.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === size) {
        yield buf;
        buf = new Uint8Array(size);
        fill = 0;
      }
    }
  }
  yield buf.subarray(0, fill);
}

async function timed(fn) {
  const t = performance.now();
  const result = await fn();
  return { ms: performance.now() - t, result };
}

/** Bare WebCrypto AES-256-GCM, 16 KiB chunks, `workers` × `inFlight`. */
async function webcrypto(bytes, { workers, inFlight }) {
  const ws = Array.from({ length: workers }, () => new Worker('webcrypto-worker.js'));
  const ready = ws.map((w) => new Promise((r) => { w.onmessage = r; }));
  ws.forEach((w) => w.postMessage({ bytes: Math.ceil(bytes / workers / 16384) * 16384, inFlight }));
  await Promise.all(ready);
  const done = ws.map((w) => new Promise((r) => { w.onmessage = (e) => r(e.data); }));
  ws.forEach((w) => w.postMessage('go'));
  const results = await Promise.all(done);
  ws.forEach((w) => w.terminate());
  return {
    encryptMs: Math.max(...results.map((r) => r.encryptMs)),
    decryptMs: Math.max(...results.map((r) => r.decryptMs)),
  };
}

/** The crate's own pure-WASM engine (Encryptor/Decryptor), 1 MiB pushes, output discarded. */
async function wasm(bytes) {
  await initCloak();
  const input = randomBytes(bytes);
  const key = VaultKey.generate();
  const keyBytes = key.toBytes();
  const sealed = [];
  const enc = await timed(() => {
    const e = new Encryptor([key], [], { name: 'bench.bin', size: bytes }, false);
    sealed.push(e.head());
    for (let at = 0; at < bytes; at += MIB) sealed.push(e.push(input.subarray(at, at + MIB)));
    sealed.push(e.finish());
    e.free();
  });
  const whole = new Uint8Array(await new Blob(sealed).arrayBuffer());
  const dec = await timed(() => {
    const d = new Decryptor([VaultKey.fromBytes(keyBytes)]);
    for (let at = 0; at < whole.length; at += MIB) d.push(whole.subarray(at, at + MIB));
    d.finish();
    d.free();
  });
  return { encryptMs: enc.ms, decryptMs: dec.ms };
}

/** libsodium.js secretstream (XChaCha20-Poly1305), 64 KiB chunks: hat.sh's engine. */
async function sodium(bytes) {
  await sodiumModule.ready;
  const s = sodiumModule;
  const input = randomBytes(bytes);
  const key = s.crypto_secretstream_xchacha20poly1305_keygen();
  const CH = 64 * 1024;
  const sealed = [];
  let header;
  const enc = await timed(() => {
    const init = s.crypto_secretstream_xchacha20poly1305_init_push(key);
    header = init.header;
    for (let at = 0; at < bytes; at += CH) {
      const last = at + CH >= bytes;
      sealed.push(s.crypto_secretstream_xchacha20poly1305_push(init.state, input.subarray(at, at + CH), null,
        last ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE));
    }
  });
  const dec = await timed(() => {
    const state = s.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
    for (const c of sealed) {
      if (!s.crypto_secretstream_xchacha20poly1305_pull(state, c)) throw new Error('sodium: pull failed');
    }
  });
  return { encryptMs: enc.ms, decryptMs: dec.ms };
}

/** libsodium.js secretstream on the OPFS File, 64 KiB chunks, each direction into a Blob. */
async function sodiumFile(bytes) {
  await sodiumModule.ready;
  const s = sodiumModule;
  const file = await opfsInput(bytes);
  const key = s.crypto_secretstream_xchacha20poly1305_keygen();
  const CH = 64 * 1024;
  const enc = await timed(async () => {
    const init = s.crypto_secretstream_xchacha20poly1305_init_push(key);
    const parts = [init.header];
    let left = file.size;
    for await (const piece of pieces(file.stream(), CH)) {
      left -= piece.length;
      parts.push(s.crypto_secretstream_xchacha20poly1305_push(init.state, piece, null,
        left ? s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE : s.crypto_secretstream_xchacha20poly1305_TAG_FINAL));
    }
    return new Blob(parts);
  });
  const dec = await timed(async () => {
    const sealed = enc.result;
    const header = new Uint8Array(await sealed.slice(0, s.crypto_secretstream_xchacha20poly1305_HEADERBYTES).arrayBuffer());
    const state = s.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
    const parts = [];
    const body = sealed.slice(header.length).stream();
    for await (const piece of pieces(body, CH + s.crypto_secretstream_xchacha20poly1305_ABYTES)) {
      const r = s.crypto_secretstream_xchacha20poly1305_pull(state, piece);
      if (!r) throw new Error('sodium: pull failed');
      parts.push(r.message);
    }
    return new Blob(parts);
  });
  if (dec.result.size !== bytes) throw new Error(`sodium: ${dec.result.size} bytes back`);
  return { encryptMs: enc.ms, decryptMs: dec.ms };
}

/**
 * The peers' two inputs and outputs: random bytes in memory with the
 * plaintext drained (the engine rows), or the OPFS File with the plaintext
 * made into a Blob (the path rows). `source()` makes the plaintext stream;
 * `sink(stream)` consumes the decrypted one and returns its byte count.
 */
async function engineIo(bytes) {
  const input = randomBytes(bytes);
  return { source: () => streamOf(input), sink: drain };
}

async function fileIo(bytes) {
  const file = await opfsInput(bytes);
  return { source: () => file.stream(), sink: async (stream) => (await collect(stream)).size };
}

/** typage (age-encryption), X25519 recipient, streaming, from `source` to `sink`. */
async function typageOn(bytes, { source, sink }) {
  const identity = await age.generateX25519Identity();
  const e = new age.Encrypter();
  e.addRecipient(await age.identityToRecipient(identity));
  const enc = await timed(async () => collect(await e.encrypt(source())));
  const d = new age.Decrypter();
  d.addIdentity(identity);
  const dec = await timed(async () => sink(await d.decrypt(enc.result.stream())));
  if (dec.result !== bytes) throw new Error(`typage: ${dec.result} bytes back`);
  return { encryptMs: enc.ms, decryptMs: dec.ms };
}

/** OpenPGP.js v6, password, AEAD (SEIPDv2) with GCM, streaming, from `source` to `sink`. */
async function pgpOn(bytes, { source, sink }) {
  const config = { aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.gcm };
  const enc = await timed(async () => collect(await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: source() }), passwords: ['benchmark'], format: 'binary', config,
  })));
  const dec = await timed(async () => {
    const { data } = await openpgp.decrypt({
      message: await openpgp.readMessage({ binaryMessage: enc.result.stream() }), passwords: ['benchmark'], format: 'binary', config,
    });
    return sink(data);
  });
  if (dec.result !== bytes) throw new Error(`openpgp: ${dec.result} bytes back`);
  return { encryptMs: enc.ms, decryptMs: dec.ms };
}

const typage = async (bytes) => typageOn(bytes, await engineIo(bytes));
const typageFile = async (bytes) => typageOn(bytes, await fileIo(bytes));
const pgp = async (bytes) => pgpOn(bytes, await engineIo(bytes));
const pgpFile = async (bytes) => pgpOn(bytes, await fileIo(bytes));

window.bench = { webcrypto, wasm, sodium, typage, pgp, sodiumFile, typageFile, pgpFile };
window.benchReady = true;
