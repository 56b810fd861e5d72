// Bulk opening with WebCrypto's AES-256-GCM, the decrypting twin of
// crypto/engine.js. The crate opens the header (openHeader: key unwrapped,
// commitment checked) and parses the metadata region (decodeMetadataRegion);
// this module opens the 16 KiB chunks, blocks of them spread over helper
// workers (shared/cipher-pool.js), and enforces, in stream order, what the
// crate's Decryptor enforces (FORMAT.md, protocol.rs): the short final chunk,
// the authenticated size and padding, truncation versus tampering versus
// trailing data. It exists because the crate's AES in WebAssembly has no AES
// instructions and is several times slower; the test vectors run through both
// (tests/wasm/harness.js), code for code.
import { decodeMetadataRegion } from '../crypto/wasm/cloak.js';
import { nonceFor } from '../crypto/engine.js';
import { CipherPool } from './cipher-pool.js';

const CHUNK = 16384;
const TAG = 16;
const SEALED = CHUNK + TAG;
const BLOCK_CHUNKS = 64;
const MAX_CHUNKS = 2 ** 38;

const fail = (code, message) => Object.assign(new Error(message), { code });
const ERRORS = {
  truncated: () => fail('truncated', 'the file is truncated: it ends before the end of the encrypted data'),
  trailing: () => fail('trailing_data', 'unexpected data after the end of the encrypted file; the file was modified'),
  tooLarge: () => fail('too_large', 'the file is larger than the format allows (2^38 chunks)'),
  tampered: (i) => fail('payload_tampered', `encrypted chunk ${i} failed authentication; the file was tampered with or corrupted`),
  truncatedOrTampered: (i) => fail('truncated_or_tampered', `the final chunk (${i}) failed authentication; the file is truncated or was tampered with`),
  metadata: (why) => fail('bad_metadata', `the encrypted metadata is invalid (${why})`),
};

/** Length of the sealed payload after the prefix, for a plaintext of `len` bytes. */
const sealedAfterPrefix = (len) => len + (Math.floor(len / CHUNK) + 1) * TAG;

/**
 * Opens the payload after a header that `openHeader` accepted. Feed the
 * ciphertext after `headerLength` with `push`, then `finish`; authenticated
 * content goes to `write(Uint8Array)` in order. Throws errors with the crate's
 * codes. Call `close()` when done, whatever happened.
 */
export class WebCryptoOpener {
  /** `size`, the file's length when known, decides whether helper workers are worth it. */
  static async create(opened, write, size) {
    const key = await crypto.subtle.importKey('raw', opened.key, 'AES-GCM', false, ['decrypt']);
    const pool = await CipherPool.create('decrypt', opened.key, opened.baseNonce, size);
    return new WebCryptoOpener(key, opened.baseNonce, pool, write);
  }

  constructor(key, baseNonce, pool, write) {
    this.key = key;
    this.baseNonce = baseNonce;
    this.pool = pool;
    this.write = write;
    this.block = new Uint8Array(BLOCK_CHUNKS * SEALED); // sealed bytes not yet submitted
    this.fill = 0;
    this.first = 0; // index of the block's first chunk
    this.received = 0; // payload bytes accepted
    this.expected = null; // payload length, once the metadata declares a size
    this.metadata = null;
    this.contentLeft = null;
    this.paddingLeft = 0;
  }

  async push(data) {
    // Chunk 0 carries the metadata, which sets the expected length: open it
    // before accepting anything beyond it, as the crate does.
    const room = SEALED - this.received;
    if (this.metadata === null && room > 0 && data.length > room) {
      await this.pushCapped(data.subarray(0, room));
      return this.push(data.subarray(room));
    }
    return this.pushCapped(data);
  }

  async pushCapped(data) {
    let bytes = data;
    if (this.expected !== null && this.received + bytes.length > this.expected) {
      bytes = bytes.subarray(0, this.expected - this.received);
    }
    this.received += bytes.length;
    for (let at = 0; at < bytes.length;) {
      const take = Math.min(this.block.length - this.fill, bytes.length - at);
      this.block.set(bytes.subarray(at, at + take), this.fill);
      this.fill += take;
      at += take;
      if (this.first === 0 && this.fill === SEALED && this.metadata === null) await this.openChunkZero();
      else if (this.fill === this.block.length) await this.submitFull();
    }
    if (bytes.length < data.length) {
      await this.submitFull(); // earlier chunks' verdicts come first
      await this.drain();
      throw ERRORS.trailing();
    }
  }

  /** Chunk 0, alone and at once: its metadata sets the expected length. */
  async openChunkZero() {
    const plain = await this.decrypt(0, this.block.subarray(0, SEALED)).catch(() => {
      throw ERRORS.tampered(0);
    });
    this.fill = 0;
    this.first = 1;
    this.release(plain, true);
  }

  /** Submits the whole chunks gathered so far (all of them non-final). */
  async submitFull() {
    const whole = Math.floor(this.fill / SEALED);
    if (!whole) return;
    if (this.first + whole > MAX_CHUNKS) throw ERRORS.tooLarge();
    const result = await this.pool.submit(this.first, this.block.subarray(0, whole * SEALED), false);
    this.block.copyWithin(0, whole * SEALED, this.fill);
    this.fill -= whole * SEALED;
    this.first += whole;
    if (result) this.take(result);
  }

  take(result) {
    this.release(result.bytes, false);
    if (result.failed !== undefined) throw ERRORS.tampered(result.failed);
  }

  async drain() {
    for (let r = await this.pool.next(); r; r = await this.pool.next()) this.take(r);
  }

  /** Verifies the end; returns the metadata. */
  async finish() {
    await this.submitFull();
    await this.drain();
    if ((this.expected !== null && this.received < this.expected) || this.fill < TAG) throw ERRORS.truncated();
    const index = this.first;
    if (index >= MAX_CHUNKS) throw ERRORS.tooLarge();
    const plain = await this.decrypt(index, this.block.subarray(0, this.fill)).catch(() => {
      throw this.expected !== null ? ERRORS.tampered(index) : ERRORS.truncatedOrTampered(index);
    });
    this.fill = 0;
    this.release(plain, index === 0);
    if (this.metadata === null) throw ERRORS.metadata('metadata region incomplete');
    if ((this.contentLeft ?? 0) > 0 || this.paddingLeft > 0) throw ERRORS.truncated();
    return this.metadata;
  }

  close() {
    this.pool.close();
  }

  decrypt(index, sealed) {
    return crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonceFor(this.baseNonce, index) }, this.key, sealed)
      .then((b) => new Uint8Array(b));
  }

  /** Plaintext in order: the metadata region first (`chunkZero`), then content, then zero padding. */
  release(plain, chunkZero) {
    let rest = plain;
    if (chunkZero) {
      const decoded = decodeMetadataRegion(plain); // throws bad_metadata
      if (!decoded) throw ERRORS.metadata('metadata region incomplete');
      this.metadata = decoded.metadata;
      const { size, padding = 0 } = this.metadata;
      this.contentLeft = size ?? null;
      this.paddingLeft = padding;
      if (size !== undefined && size !== null) {
        const total = decoded.regionLength + size + padding;
        if (!Number.isSafeInteger(total)) throw ERRORS.metadata('size too large');
        this.expected = sealedAfterPrefix(total);
      }
      rest = plain.subarray(decoded.regionLength);
    }
    if (this.contentLeft === null) {
      if (rest.length) this.write(rest);
      return;
    }
    const take = Math.min(this.contentLeft, rest.length);
    if (take) this.write(rest.subarray(0, take));
    this.contentLeft -= take;
    const pad = rest.subarray(take);
    if (pad.length > this.paddingLeft) throw ERRORS.trailing();
    if (pad.some((b) => b !== 0)) throw ERRORS.metadata('non-zero size padding');
    this.paddingLeft -= pad.length;
  }
}
