// Streaming decryption shared by Cloak's decrypting contexts (the vault page's
// worker, the download decrypter's worker, Firefox's in-flight filter).
// Plaintext is released only after the crate authenticated it, and the caller
// learns that a valid header arrived (key unwrapped, commitment checked)
// before any content, so it can commit to replacing a download only then. A
// result counts as complete only once `finish` returned: callers MUST discard
// what they wrote on any throw.
import { Decryptor, VaultKey, openHeader } from '../crypto/wasm/cloak.js';
import { Output } from '../crypto/engine.js';
import { hexToBytes } from './staging.js';
import { WebCryptoOpener } from './webcrypto-open.js';

export const MAGIC = Uint8Array.of(0x89, 0x43, 0x4c, 0x4f, 0x41, 0x4b, 0x0d, 0x0a);
// Header (≤ 65 536 bytes, FORMAT.md §2) + salt + commitment: openHeader never needs more.
const MAX_HEAD = 65_536 + 64;

/** True when `bytes` begin with the Cloak magic. */
export function hasMagic(bytes) {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

const vaultKeys = (keyHexes) => keyHexes.map((k) => VaultKey.fromBytes(hexToBytes(k)));

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * A push decryptor that first waits for a complete, valid header. Errors carry
 * the crate's codes (`not_cloak`, `wrong_key`, `truncated`, `payload_tampered`, …).
 */
export class HeaderFirstDecryptor {
  /** `keyHexes`: the unlocked vault keys, hex. */
  constructor(keyHexes) {
    this.keyHexes = keyHexes;
    this.dec = new Decryptor(vaultKeys(keyHexes));
    this.head = new Uint8Array(0);
    this.opened = false;
  }

  /** Feeds ciphertext; returns `{opened, out}`: whether the header opened by now, and authenticated content. */
  push(bytes) {
    if (this.opened) return { opened: true, out: this.dec.push(bytes) };
    this.head = concat(this.head, bytes);
    // Throws not_cloak, unsupported_version, wrong_key, header_tampered, …
    this.opened = openHeader(this.head, vaultKeys(this.keyHexes)) !== undefined;
    if (!this.opened) {
      if (this.head.length > MAX_HEAD) throw Object.assign(new Error('The Cloak header is malformed.'), { code: 'malformed_header' });
      return { opened: false, out: new Uint8Array(0) };
    }
    const out = this.dec.push(this.head);
    this.head = null;
    return { opened: true, out };
  }

  /** Verifies the end; returns `{out, metadata}`. An input that ended early gets the crate's verdict. */
  finish() {
    const early = this.opened ? new Uint8Array(0) : this.dec.push(this.head);
    const out = concat(early, this.dec.finish());
    return { out, metadata: this.dec.metadata() };
  }

  free() {
    this.dec.free();
  }
}

/**
 * Decrypts the byte stream `reader` (anything with a ReadableStreamDefaultReader's
 * `read()`) with the hex vault keys `keyHexes` into `sink` (`write(bytes)`).
 * Awaits `onHeader()` once the header opened, calls `onProgress(bytesRead)` as
 * it goes, and resolves to the authenticated metadata. Chunks are opened with
 * WebCrypto where the browser has it (`engine: 'reference'` forces the crate's
 * own engine); the crate opens the header and parses the metadata either way.
 */
export async function decryptStream(reader, keyHexes, sink, { onHeader = async () => {}, onProgress = () => {}, engine } = {}) {
  if (engine === 'reference' || !globalThis.crypto?.subtle) return decryptWithCrate(reader, keyHexes, sink, { onHeader, onProgress });
  let head = new Uint8Array(0);
  let read = 0;
  let opened;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      // Ended before the header opened: the crate's verdict (not_cloak, truncated, …).
      const dec = new HeaderFirstDecryptor(keyHexes);
      try {
        dec.push(head);
        dec.finish();
      } finally {
        dec.free();
      }
      throw Object.assign(new Error('the file is truncated: it ends before the end of the encrypted data'), { code: 'truncated' });
    }
    read += value.length;
    head = concat(head, value);
    opened = openHeader(head, vaultKeys(keyHexes)); // throws not_cloak, wrong_key, header_tampered, …
    if (opened) break;
    if (head.length > MAX_HEAD) throw Object.assign(new Error('The Cloak header is malformed.'), { code: 'malformed_header' });
  }
  await onHeader();
  const out = new Output((bytes) => sink.write(bytes));
  const opener = await WebCryptoOpener.create(opened, (bytes) => out.push(bytes));
  await opener.push(head.subarray(opened.headerLength));
  onProgress(read);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    read += value.length;
    await opener.push(value);
    onProgress(read);
  }
  const metadata = await opener.finish();
  out.flush();
  return metadata;
}

/** The same with the crate's own engine throughout. */
async function decryptWithCrate(reader, keyHexes, sink, { onHeader, onProgress }) {
  const dec = new HeaderFirstDecryptor(keyHexes);
  let announced = false;
  let read = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      read += value.length;
      const { opened, out } = dec.push(value);
      if (opened && !announced) {
        announced = true;
        await onHeader();
      }
      sink.write(out);
      onProgress(read);
    }
    const { out, metadata } = dec.finish();
    sink.write(out);
    return metadata;
  } finally {
    dec.free();
  }
}
