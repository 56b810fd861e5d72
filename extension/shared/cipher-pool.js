// Spreads AES-256-GCM chunk operations over helper workers, a block of
// consecutive chunks per message, so the JavaScript cost of each WebCrypto
// operation is paid on several threads. Results come back in submission
// order; a block that fails reports the index of its first unauthentic chunk.
// Small inputs stay in the caller's thread: starting workers costs more than
// it saves there, and Firefox limits the workers of an origin (a 1,000-file
// upload with a pool per file stalled).
import { cryptBlock } from './cipher-block.js';

const HELPERS = Math.min(4, Math.max(2, globalThis.navigator?.hardwareConcurrency || 2));
/** Inputs smaller than this (bytes) are processed in the caller's thread. */
export const POOL_THRESHOLD = 8 << 20;

export class CipherPool {
  /**
   * `op` is 'encrypt' or 'decrypt'; `key` raw 32 bytes; `baseNonce` 12 bytes;
   * `size`, the input's length when known, decides between helpers and the
   * caller's thread.
   */
  static async create(op, key, baseNonce, size = Infinity) {
    const helpers = size >= POOL_THRESHOLD ? HELPERS : 0;
    const pool = new CipherPool(op, helpers, baseNonce);
    pool.key = helpers ? null : await crypto.subtle.importKey('raw', key, 'AES-GCM', false, [op]);
    await Promise.all(pool.helpers.map((w) => pool.call(w, { type: 'key', op, key, baseNonce })));
    return pool;
  }

  constructor(op, helpers, baseNonce) {
    this.op = op;
    this.baseNonce = baseNonce;
    this.inFlight = 2 * Math.max(1, helpers);
    this.helpers = Array.from({ length: helpers }, () => new Worker(new URL('./cipher-worker.js', import.meta.url), { type: 'module' }));
    this.waiting = new Map(); // id -> resolve
    this.nextId = 1;
    this.turn = 0;
    this.queue = []; // promises of submitted blocks, in order
    for (const w of this.helpers) {
      w.onmessage = ({ data }) => {
        const resolve = this.waiting.get(data.id);
        this.waiting.delete(data.id);
        resolve?.(data);
      };
    }
  }

  call(worker, msg, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /**
   * Queues `bytes`, whole chunks starting at chunk `first` (with `final`, the
   * short final chunk last). Resolves to the result of the oldest block once
   * too many are in flight, else to null; `next()` takes the oldest explicitly.
   */
  async submit(first, bytes, final) {
    const copy = bytes.slice(); // ours: to transfer, or to keep while in flight
    if (!this.helpers.length) {
      this.queue.push(cryptBlock(this.op, this.key, this.baseNonce, first, copy, final).then((r) => ({ ...r, bytes: r.bytes.buffer })));
    } else {
      const worker = this.helpers[this.turn++ % this.helpers.length];
      this.queue.push(this.call(worker, { op: this.op, first, final, bytes: copy.buffer }, [copy.buffer]));
    }
    return this.queue.length >= this.inFlight ? this.next() : null;
  }

  /**
   * The oldest block's result, `{bytes}` (and `failed`, the first unauthentic
   * chunk, with `bytes` the plaintext before it); null when none is queued.
   */
  async next() {
    if (!this.queue.length) return null;
    const r = await this.queue.shift();
    return { bytes: new Uint8Array(r.bytes), failed: r.failed };
  }

  close() {
    for (const w of this.helpers) w.terminate();
  }
}
