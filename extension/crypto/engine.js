// Bulk sealing with WebCrypto's AES-256-GCM: the crate derives the key, base
// nonce, header and metadata region (planEncryption); this module seals the
// 16 KiB chunks in order with several operations in flight. The crate's own
// engine (Encryptor) is the reference; tests prove both give identical bytes.

export const CHUNK = 16384;
const IN_FLIGHT = 16;
const FLUSH_BYTES = 1 << 20;

/** base nonce XOR the big-endian chunk index (index < 2^38, exact in a double). */
export function nonceFor(baseNonce, index) {
  const n = Uint8Array.from(baseNonce);
  let rest = index;
  for (let k = 11; k >= 4 && rest > 0; k--) {
    n[k] ^= rest % 256;
    rest = Math.floor(rest / 256);
  }
  return n;
}

/** Yields the plaintext as exact 16 KiB chunks, then the final short one (possibly empty). */
async function* chunks(parts) {
  let buf = new Uint8Array(CHUNK);
  let fill = 0;
  for await (const part of parts) {
    let at = 0;
    while (at < part.length) {
      const take = Math.min(CHUNK - fill, part.length - at);
      buf.set(part.subarray(at, at + take), fill);
      fill += take;
      at += take;
      if (fill === CHUNK) {
        yield buf;
        buf = new Uint8Array(CHUNK);
        fill = 0;
      }
    }
  }
  yield buf.subarray(0, fill);
}

async function* plaintext(plan, file) {
  yield plan.metadataRegion;
  const reader = file.stream().getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    yield value;
  }
  for (let left = plan.padding; left > 0; left -= Math.min(left, 1 << 20)) {
    yield new Uint8Array(Math.min(left, 1 << 20));
  }
}

/**
 * Seals `file` per `plan` (from the crate's planEncryption), writing bytes to
 * `write(Uint8Array)` in file order; `progress(bytesRead)` is called as it goes.
 */
export async function sealWithWebCrypto(plan, file, write, progress = () => {}) {
  const key = await crypto.subtle.importKey('raw', plan.key, 'AES-GCM', false, ['encrypt']);
  write(plan.head);
  const pending = [];
  let out = [];
  let outBytes = 0;
  let index = 0;
  let read = 0;
  const drain = async () => {
    const sealed = new Uint8Array(await pending.shift());
    out.push(sealed);
    outBytes += sealed.length;
    if (outBytes >= FLUSH_BYTES) flush();
  };
  const flush = () => {
    if (!outBytes) return;
    const joined = new Uint8Array(outBytes);
    let at = 0;
    for (const part of out) {
      joined.set(part, at);
      at += part.length;
    }
    write(joined);
    out = [];
    outBytes = 0;
  };
  for await (const chunk of chunks(plaintext(plan, file))) {
    pending.push(crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonceFor(plan.baseNonce, index) }, key, chunk));
    index++;
    read += chunk.length;
    if (pending.length >= IN_FLIGHT) {
      await drain();
      progress(Math.max(0, read - plan.metadataRegion.length));
    }
  }
  while (pending.length) await drain();
  flush();
}
