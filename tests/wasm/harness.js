// Runs Cloak's test vectors against the WASM build and the extension's own
// lib/ modules: in a real browser (harness-page.js, for
// tests/wasm/vectors.test.mjs) and straight in Node (tests/unit/vectors.test.mjs).
// `cloak`: the test bundle, which adds the chunk-level exports (sealChunk, …)
// the shipped one leaves out; lib/ modules run on the shipped bundle.
import initShipped from '../../extension/lib/wasm/cloak.js';
import init, * as cloak from './pkg/cloak.js';
import { nonceFor, sealWithWebCrypto } from '../../extension/lib/engine.js';
import { decryptStream } from '../../extension/lib/decrypt.js';

const CHUNK = 16384;
const SEALED = CHUNK + 16;
const PREFIX = 56;

const hex = (s) => Uint8Array.from((s.match(/../g) || []).map((b) => parseInt(b, 16)));
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
let load = null; // name -> Uint8Array of tests/vectors/<name>

/**
 * Loads both WASM bundles (`wasm`, `testWasm`: their bytes, or fetched beside
 * their cloak.js) and sets the vector reader.
 */
export async function setUp({ read, wasm, testWasm }) {
  load = read;
  await initShipped(wasm ? { module_or_path: wasm } : undefined);
  await init(testWasm ? { module_or_path: testWasm } : undefined);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// WebCrypto AES-256-GCM seal of one chunk: must equal the crate's engine.
async function webcryptoSeal(key, baseNonce, index, plaintext) {
  const k = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  const iv = cloak.chunkNonce(baseNonce, index);
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, k, plaintext));
}

// Cobblestone decryption in stream order over the hazmat bindings.
function cobblestoneDecrypt(v, ct) {
  if (ct.length < PREFIX) throw Object.assign(new Error('short'), { code: 'truncated' });
  const d = cloak.deriveChunkKeys(hex(v.input_key), ct.subarray(0, 24), hex(v.context));
  if (!equal(d.commitment, ct.subarray(24, PREFIX))) throw Object.assign(new Error('commitment'), { code: 'commitment' });
  const body = ct.subarray(PREFIX);
  const parts = [];
  let i = 0;
  for (; body.length - i * SEALED >= SEALED; i++) {
    parts.push(openOrThrow(d, i, body.subarray(i * SEALED, (i + 1) * SEALED)));
  }
  const last = body.subarray(i * SEALED);
  if (last.length < 16) throw Object.assign(new Error('truncated'), { code: 'truncated' });
  parts.push(openOrThrow(d, i, last));
  return concat(parts);
}

function openOrThrow(d, i, sealed) {
  try {
    return cloak.openChunk(d.key, d.baseNonce, i, sealed);
  } catch {
    throw Object.assign(new Error(`chunk ${i}`), { code: 'tampered' });
  }
}

async function runCobblestone(v) {
  const ct = await load(v.ciphertext);
  let got;
  try {
    got = cobblestoneDecrypt(v, ct);
  } catch (e) {
    assert(v.expect === 'error', `unexpected failure ${e.code}`);
    assert(e.code === v.error, `want ${v.error}, got ${e.code}`);
    return;
  }
  assert(v.expect === 'ok', `succeeded, expected ${v.error}`);
  const pt = await load(v.plaintext);
  assert(equal(got, pt), 'plaintext differs');
  // Re-seal every chunk with WebCrypto: identical bytes to the vector.
  const d = cloak.deriveChunkKeys(hex(v.input_key), hex(v.salt), hex(v.context));
  const sealed = [hex(v.salt), d.commitment];
  const full = Math.floor(pt.length / CHUNK);
  for (let i = 0; i <= full; i++) {
    sealed.push(await webcryptoSeal(d.key, d.baseNonce, i, pt.subarray(i * CHUNK, Math.min((i + 1) * CHUNK, pt.length))));
  }
  assert(equal(concat(sealed), ct), 'WebCrypto re-encryption differs from the vector');
  // The extension's bulk engine, fed the same key material, writes the same bytes.
  const plan = { key: d.key, baseNonce: d.baseNonce, head: concat([hex(v.salt), d.commitment]), metadataRegion: new Uint8Array(0), padding: 0 };
  const written = [];
  await sealWithWebCrypto(plan, new Blob([pt]), (b) => written.push(b.slice()));
  assert(equal(concat(written), ct), "the extension's WebCrypto engine differs from the vector");
  // The same, with the file read in awkward pieces (chunks straddling reads).
  const pieces = [1, 7, CHUNK - 1, CHUNK + 1, 3 * CHUNK + 5];
  const odd = { stream: () => new ReadableStream({
    start(c) {
      for (let at = 0, i = 0; at < pt.length; i++) {
        const n = pieces[i % pieces.length];
        c.enqueue(pt.slice(at, at + n));
        at += n;
      }
      c.close();
    },
  }) };
  const oddWritten = [];
  await sealWithWebCrypto(plan, odd, (b) => oddWritten.push(b.slice()));
  assert(equal(concat(oddWritten), ct), "the WebCrypto engine differs when the file arrives in odd pieces");
}

async function runNonce(v) {
  const d = cloak.deriveChunkKeys(hex(v.input_key), hex(v.salt), hex(v.context));
  if (v.expect === 'error') {
    let code;
    try { cloak.chunkNonce(d.baseNonce, v.index); } catch (e) { code = e.code; }
    assert(code === 'counter_overflow', `index ${v.index} accepted (${code})`);
    return;
  }
  assert(equal(d.key, hex(v.key)) && equal(d.baseNonce, hex(v.base_nonce)), 'derivation');
  assert(equal(d.commitment, hex(v.commitment)), 'commitment');
  assert(equal(cloak.chunkNonce(d.baseNonce, v.index), hex(v.nonce)), 'nonce');
  assert(equal(nonceFor(d.baseNonce, v.index), hex(v.nonce)), "the extension engine's nonce");
  const pt = await load(v.plaintext);
  const ct = await load(v.ciphertext);
  assert(equal(cloak.sealChunk(d.key, d.baseNonce, v.index, pt), ct), 'crate engine seal');
  assert(equal(await webcryptoSeal(d.key, d.baseNonce, v.index, pt), ct), 'WebCrypto seal');
  assert(equal(cloak.openChunk(d.key, d.baseNonce, v.index, ct), pt), 'open');
}

function decryptCloak(v, ct, split) {
  const dec = new cloak.Decryptor([cloak.VaultKey.fromBytes(hex(v.vault_key))]);
  try {
    const parts = [];
    for (let at = 0; at < ct.length; at += split) parts.push(dec.push(ct.subarray(at, at + split)));
    parts.push(dec.finish());
    return { data: concat(parts), metadata: dec.metadata() };
  } finally {
    dec.free();
  }
}

/** The extension's download/vault path (`decryptStream`): crate header, then WebCrypto or (reference) crate chunks. */
async function decryptWebCrypto(v, ct, split, engine) {
  let at = 0;
  const reader = { read: async () => (at >= ct.length ? { done: true } : { done: false, value: ct.slice(at, (at += split)) }) };
  const parts = [];
  const metadata = await decryptStream(reader, [v.vault_key], { write: (b) => parts.push(b.slice()) }, { engine });
  return { data: concat(parts), metadata };
}

async function runCloak(v) {
  const ct = await load(v.ciphertext);
  const key = cloak.VaultKey.fromBytes(hex(v.vault_key));
  assert(key.keyId() === v.key_id, 'key id derivation');
  key.free();
  const pt = v.expect === 'ok' ? await load(v.plaintext) : null;
  const runs = [];
  for (const split of [1 << 22, SEALED, 1000, 13]) {
    runs.push([`crate, split ${split}`, () => decryptCloak(v, ct, split)]);
    runs.push([`WebCrypto, split ${split}`, () => decryptWebCrypto(v, ct, split)]);
    runs.push([`decryptStream with the crate engine, split ${split}`, () => decryptWebCrypto(v, ct, split, 'reference')]);
  }
  for (const [split, run] of runs) {
    let got;
    try {
      got = await run();
    } catch (e) {
      assert(v.expect === 'error', `failed with ${e.code} (split ${split}): ${e.message}`);
      assert(e.code === v.error, `want ${v.error}, got ${e.code} (split ${split})`);
      assert(typeof e.message === 'string' && e.message.length > 10, 'error has a message');
      continue;
    }
    assert(v.expect === 'ok', `succeeded, expected ${v.error}`);
    assert(equal(got.data, pt), `plaintext differs (split ${split})`);
    for (const field of ['name', 'type', 'mtime', 'size']) {
      assert(got.metadata[field] === v.metadata[field], `metadata.${field}: ${got.metadata[field]} != ${v.metadata[field]}`);
    }
    if (v.padding_sized_by_rule) {
      const unpadded = { ...v.metadata };
      delete unpadded.padding;
      const plan = cloak.planEncryption([cloak.VaultKey.fromBytes(hex(v.vault_key))], [], unpadded, true);
      assert(plan.padding === v.metadata.padding, `sized padding ${plan.padding} != ${v.metadata.padding}`);
    }
  }
}

export async function runVector(v) {
  if (v.kind === 'cobblestone') return runCobblestone(v);
  if (v.kind === 'nonce') return runNonce(v);
  if (v.kind === 'cloak') return runCloak(v);
  throw new Error(`unknown kind ${v.kind}`);
}

// Round trips through the JS-facing API, including the WebCrypto bulk path.
export async function runSelfTests() {
  const results = {};
  const check = async (name, fn) => {
    try { await fn(); results[name] = 'ok'; } catch (e) { results[name] = `${e.code || ''} ${e.message}`; }
  };
  const body = new Uint8Array(3 * CHUNK + 1234).map((_, i) => (i * 7) % 256);
  const meta = { name: 'photo.jpg', type: 'image/jpeg', mtime: 1700000000000, size: body.length };
  await check('streaming round trip', async () => {
    const key = cloak.VaultKey.generate();
    const enc = new cloak.Encryptor([key.clone()], [], meta, false);
    const parts = [enc.head()];
    for (let at = 0; at < body.length; at += 5000) parts.push(enc.push(body.subarray(at, at + 5000)));
    const expected = enc.expectedLength();
    parts.push(enc.finish());
    const file = concat(parts);
    assert(file.length === expected, 'announced length');
    assert(file.length === cloak.ciphertextLength(body.length, meta, 1, 0, false), 'ciphertextLength');
    const dec = new cloak.Decryptor([key]);
    const out = concat([dec.push(file), dec.finish()]);
    assert(equal(out, body) && dec.metadata().name === 'photo.jpg', 'round trip');
  });
  await check('webcrypto plan decrypts with the crate', async () => {
    const key = cloak.VaultKey.generate();
    const plan = cloak.planEncryption([key.clone()], [], meta, true);
    const plain = concat([plan.metadataRegion, body, new Uint8Array(plan.padding)]);
    const parts = [plan.head];
    const full = Math.floor(plain.length / CHUNK);
    const sealed = await Promise.all(Array.from({ length: full + 1 }, (_, i) =>
      webcryptoSeal(plan.key, plan.baseNonce, i, plain.subarray(i * CHUNK, Math.min((i + 1) * CHUNK, plain.length)))));
    const file = concat(parts.concat(sealed));
    assert(file.length === plan.totalLength, 'plan length');
    assert(file.length === cloak.ciphertextLength(body.length, meta, 1, 0, true), 'padded ciphertextLength');
    const opened = cloak.openHeader(file, [key.clone()]);
    assert(opened.headerLength === plan.head.length, 'openHeader');
    const dec = new cloak.Decryptor([key]);
    const out = concat([dec.push(file), dec.finish()]);
    assert(equal(out, body), 'decrypt of WebCrypto-sealed file');
  });
  await check('recipient, recovery key and key file', async () => {
    const alice = cloak.VaultKey.generate();
    const recovery = alice.recoveryKey();
    const back = cloak.VaultKey.fromRecoveryKey(recovery.toLowerCase());
    assert(back.keyId() === alice.keyId(), 'recovery');
    let code;
    try { cloak.VaultKey.fromRecoveryKey(recovery.slice(0, -3) + 'QQQ'); } catch (e) { code = e.code; }
    assert(code === 'bad_recovery_key', `typo accepted (${code})`);
    const enc = new cloak.Encryptor([], [alice.recipient()], { name: 'x' }, false);
    const file = concat([enc.head(), enc.push(new Uint8Array([1, 2, 3])), enc.finish()]);
    const dec = new cloak.Decryptor([back]);
    assert(equal(concat([dec.push(file), dec.finish()]), new Uint8Array([1, 2, 3])), 'recipient decrypt');
    const params = { m_cost_kib: 19 * 1024, t_cost: 2, p_cost: 1 }; // Cloak's minimum
    const json = cloak.createKeyFile([alice.clone()], 'pass phrase', params);
    assert(cloak.unlockKeyFile(json, 'pass phrase')[0].keyId() === alice.keyId(), 'unlock');
    try { cloak.unlockKeyFile(json, 'nope'); code = null; } catch (e) { code = e.code; }
    assert(code === 'wrong_passphrase', `wrong passphrase: ${code}`);
    assert(cloak.safeFileName('../evil\u0000.txt') === '.._evil_.txt', 'safe name');
  });
  return results;
}
