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

/** Chunks gathered in order into writes of up to 1 MiB (`capacity`, if smaller and known). */
export class Output {
  constructor(write, capacity = FLUSH_BYTES) {
    this.write = write;
    this.capacity = capacity > 0 ? Math.min(capacity, FLUSH_BYTES) : FLUSH_BYTES; // unknown length: NaN
    this.buf = null;
    this.fill = 0;
  }

  push(bytes) {
    if (this.fill + bytes.length > this.capacity) this.flush();
    if (bytes.length > this.capacity) this.write(bytes);
    else {
      this.buf ??= new Uint8Array(this.capacity);
      this.buf.set(bytes, this.fill);
      this.fill += bytes.length;
    }
  }

  flush() {
    if (!this.fill) return;
    // A new buffer for the next writes: a memory sink keeps what it is given.
    this.write(this.buf.subarray(0, this.fill));
    this.buf = null;
    this.fill = 0;
  }
}

/**
 * Seals `file` per `plan` (from the crate's planEncryption), writing bytes to
 * `write(Uint8Array)` in file order; `progress(bytesRead)` is called as it goes.
 * The plaintext (metadata region ‖ file ‖ padding) is cut into 16 KiB chunks
 * without async iteration per chunk; whole chunks inside a read are passed as
 * views (WebCrypto copies its input when called), so the only per-chunk costs
 * are the operation itself and its place in the window.
 */
export async function sealWithWebCrypto(plan, file, write, progress = () => {}) {
  const key = await crypto.subtle.importKey('raw', plan.key, 'AES-GCM', false, ['encrypt']);
  write(plan.head);
  const out = new Output(write, plan.totalLength - plan.head.length);
  const pending = [];
  const carry = new Uint8Array(CHUNK);
  let fill = 0;
  let index = 0;
  const seal = async (chunk) => {
    pending.push(crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonceFor(plan.baseNonce, index) }, key, chunk));
    index++;
    if (pending.length >= IN_FLIGHT) out.push(new Uint8Array(await pending.shift()));
  };
  const feed = async (part) => {
    let at = 0;
    if (fill) {
      at = Math.min(CHUNK - fill, part.length);
      carry.set(part.subarray(0, at), fill);
      fill += at;
      if (fill < CHUNK) return;
      await seal(carry);
      fill = 0;
    }
    for (; part.length - at >= CHUNK; at += CHUNK) await seal(part.subarray(at, at + CHUNK));
    carry.set(part.subarray(at), 0);
    fill = part.length - at;
  };
  await feed(plan.metadataRegion);
  const reader = file.stream().getReader();
  let read = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    await feed(value);
    read += value.length;
    progress(read);
  }
  for (let left = plan.padding; left > 0; left -= Math.min(left, 1 << 20)) {
    await feed(new Uint8Array(Math.min(left, 1 << 20)));
  }
  await seal(carry.subarray(0, fill)); // the final chunk: always shorter than CHUNK, possibly empty
  while (pending.length) out.push(new Uint8Array(await pending.shift()));
  out.flush();
}
