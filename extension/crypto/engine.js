// Bulk sealing with WebCrypto's AES-256-GCM: the crate derives the key, base
// nonce, header and metadata region (planEncryption); this module seals the
// 16 KiB chunks in order, spread over helper workers. The crate's own engine
// (Encryptor) is the reference; tests prove both give identical bytes.
import { CipherPool } from '../shared/cipher-pool.js';

export const CHUNK = 16384;
const BLOCK_CHUNKS = 64;
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

/** Chunks gathered in order into 1 MiB writes. */
export class Output {
  constructor(write) {
    this.write = write;
    this.buf = new Uint8Array(FLUSH_BYTES);
    this.fill = 0;
  }

  push(bytes) {
    if (this.fill + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) this.write(bytes);
    else {
      this.buf.set(bytes, this.fill);
      this.fill += bytes.length;
    }
  }

  flush() {
    if (!this.fill) return;
    // A new buffer each time: a memory sink keeps what it is given.
    this.write(this.buf.subarray(0, this.fill));
    this.buf = new Uint8Array(FLUSH_BYTES);
    this.fill = 0;
  }
}

/**
 * Seals `file` per `plan` (from the crate's planEncryption), writing bytes to
 * `write(Uint8Array)` in file order; `progress(bytesRead)` is called as it goes.
 * The plaintext (metadata region ‖ file ‖ padding) is cut into blocks of 64
 * chunks that helper workers seal (shared/cipher-pool.js), so the JavaScript
 * cost of each WebCrypto operation is spread over several threads.
 */
export async function sealWithWebCrypto(plan, file, write, progress = () => {}) {
  const pool = await CipherPool.create('encrypt', plan.key, plan.baseNonce, file.size + plan.padding);
  try {
    write(plan.head);
    const block = new Uint8Array(BLOCK_CHUNKS * CHUNK);
    let fill = 0;
    let first = 0;
    const emit = (result) => {
      if (result) write(result.bytes);
    };
    const feed = async (part) => {
      for (let at = 0; at < part.length;) {
        const take = Math.min(block.length - fill, part.length - at);
        block.set(part.subarray(at, at + take), fill);
        fill += take;
        at += take;
        if (fill === block.length) {
          emit(await pool.submit(first, block, false));
          first += BLOCK_CHUNKS;
          fill = 0;
        }
      }
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
    // The final block ends with the final chunk: always short, possibly empty.
    emit(await pool.submit(first, block.subarray(0, fill), true));
    for (let r = await pool.next(); r; r = await pool.next()) emit(r);
  } finally {
    pool.close();
  }
}
