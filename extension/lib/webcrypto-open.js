// Bulk opening with WebCrypto's AES-256-GCM, the decrypting twin of
// lib/engine.js. The crate opens the header (openHeader: key unwrapped,
// commitment checked) and parses the metadata region (decodeMetadataRegion);
// this module opens the 16 KiB chunks with many operations in flight and
// enforces, in stream order, what the crate's Decryptor enforces (FORMAT.md,
// protocol.rs): the short final chunk, the authenticated size and padding,
// truncation versus tampering versus trailing data. It exists because the
// crate's AES in WebAssembly has no AES instructions and is 5–10× slower; the
// test vectors run through both (tests/wasm/harness.js), code for code.
import { decodeMetadataRegion } from './wasm/cloak.js';
import { nonceFor } from './engine.js';

const CHUNK = 16384;
const TAG = 16;
const SEALED = CHUNK + TAG;
const MAX_CHUNKS = 2 ** 38;
const IN_FLIGHT = 16;

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
 * codes. `metadata` is set once chunk 0 opened.
 */
export class WebCryptoOpener {
  static async create(opened, write) {
    const key = await crypto.subtle.importKey('raw', opened.key, 'AES-GCM', false, ['decrypt']);
    return new WebCryptoOpener(key, opened.baseNonce, write);
  }

  constructor(key, baseNonce, write) {
    this.key = key;
    this.baseNonce = baseNonce;
    this.write = write;
    this.buf = new Uint8Array(SEALED);
    this.fill = 0;
    this.index = 0; // next chunk to open
    this.received = 0; // payload bytes accepted
    this.expected = null; // payload length, once the metadata declares a size
    this.pending = []; // [index, Promise<ArrayBuffer>] in order
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
    let at = 0;
    while (at < bytes.length) {
      if (!this.fill && bytes.length - at >= SEALED) {
        await this.open(bytes.subarray(at, at + SEALED)); // a view: WebCrypto copies it
        at += SEALED;
        continue;
      }
      const take = Math.min(SEALED - this.fill, bytes.length - at);
      this.buf.set(bytes.subarray(at, at + take), this.fill);
      this.fill += take;
      at += take;
      if (this.fill === SEALED) {
        await this.open(this.buf);
        this.fill = 0;
      }
    }
    if (bytes.length < data.length) {
      await this.drain(); // earlier chunks' verdicts come first
      throw ERRORS.trailing();
    }
  }

  /** Verifies the end; returns the metadata. */
  async finish() {
    await this.drain();
    if ((this.expected !== null && this.received < this.expected) || this.fill < TAG) throw ERRORS.truncated();
    const index = this.index;
    if (index >= MAX_CHUNKS) throw ERRORS.tooLarge();
    const known = this.expected !== null;
    const last = this.fill;
    this.fill = 0;
    const plain = await this.decrypt(index, this.buf.subarray(0, last)).catch(() => {
      throw known ? ERRORS.tampered(index) : ERRORS.truncatedOrTampered(index);
    });
    this.index++;
    this.release(plain, index);
    if (this.metadata === null) throw ERRORS.metadata('metadata region incomplete');
    if ((this.contentLeft ?? 0) > 0 || this.paddingLeft > 0) throw ERRORS.truncated();
    return this.metadata;
  }

  decrypt(index, sealed) {
    return crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonceFor(this.baseNonce, index) }, this.key, sealed)
      .then((b) => new Uint8Array(b));
  }

  async open(sealed) {
    const index = this.index++;
    if (index >= MAX_CHUNKS) throw ERRORS.tooLarge();
    this.pending.push([index, this.decrypt(index, sealed)]);
    // Chunk 0 is opened alone: its metadata sets the expected length.
    if (index === 0 || this.pending.length >= IN_FLIGHT) await this.settleOne();
  }

  async settleOne() {
    const [index, promise] = this.pending.shift();
    const plain = await promise.catch(() => {
      throw ERRORS.tampered(index);
    });
    this.release(plain, index);
  }

  async drain() {
    while (this.pending.length) await this.settleOne();
  }

  /** Chunk plaintext in order: the metadata region first, then content, then zero padding. */
  release(plain, index) {
    let rest = plain;
    if (index === 0) {
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
