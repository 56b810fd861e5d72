// Helpers shared by Cloak's workers (the crypto frame's and the vault page's):
// staging output in the extension's private storage (OPFS) so memory stays
// bounded and the resulting File is disk-backed, and reading a File in order.

export const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));

/** The metadata Cloak stores for a File. */
export function fileMetadata(file) {
  const metadata = { name: file.name, mtime: file.lastModified, size: file.size };
  if (file.type) metadata.type = file.type;
  return metadata;
}

/** The OPFS directory `name`, or null where OPFS is unavailable. */
export async function stagingDir(name) {
  try {
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(name, { create: true });
  } catch {
    return null;
  }
}

/**
 * Deletes the files of OPFS directory `name` older than `maxAgeMs`: leftovers
 * of a crash or of a browser closed mid-job. Files in use are left alone.
 */
export async function sweepStale(name, maxAgeMs) {
  const dir = await stagingDir(name);
  if (!dir) return;
  for await (const [entry, handle] of dir.entries()) {
    try {
      if (Date.now() - (await handle.getFile()).lastModified > maxAgeMs) await dir.removeEntry(entry);
    } catch {
      // in use or already gone
    }
  }
}

/**
 * Feeds every chunk of `file` to `onChunk(bytes, bytesReadSoFar)` in order,
 * awaiting it before the next read; returns the bytes read.
 *
 * The default reader, not BYOB: reading into one reused buffer was 20 %
 * faster in Chromium, but its Blob stream reads then stopped for good after
 * 2.3-3.3 GiB in one worker (tests/staging/read-large.test.mjs).
 */
export async function readFile(file, onChunk) {
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) return done;
    done += value.length;
    await onChunk(value, done);
  }
}

const GATHER_BYTES = 1 << 20;

/**
 * The staging file could not take what was written to it: the disk (or the
 * browser's storage quota) is full, or the file went away.
 */
export class StagingError extends Error {
  constructor(detail) {
    super(`Cloak could not store its output on this device (${detail}). Free some disk space and try again.`);
    this.code = 'storage';
  }
}

/** A staged output file: written in order, then closed into a File or discarded. */
export class Sink {
  /** Opens a new file in OPFS directory `dirName`; in memory if OPFS is missing and `memoryFallback`. */
  static async open(dirName, { memoryFallback = false } = {}) {
    const dir = await stagingDir(dirName);
    if (dir) {
      const name = `${crypto.randomUUID()}.cloak`;
      const handle = await dir.getFileHandle(name, { create: true });
      const access = await handle.createSyncAccessHandle();
      return new Sink({ dir, name, handle, access });
    }
    if (!memoryFallback) throw new Error("the extension's private storage is unavailable");
    return new Sink(null);
  }

  constructor(opfs) {
    this.opfs = opfs;
    this.parts = [];
    this.at = 0;
    this.buf = null; // small writes gathered for one OPFS write
    this.fill = 0;
  }

  write(bytes) {
    if (!bytes.length) return;
    if (!this.opfs) this.parts.push(bytes);
    else if (bytes.length >= GATHER_BYTES) {
      this.drain();
      this.put(bytes, this.at);
    } else {
      // Each synchronous OPFS write costs about as much as 1 MiB of copying.
      if (this.fill + bytes.length > GATHER_BYTES) this.drain();
      this.buf ??= new Uint8Array(GATHER_BYTES);
      this.buf.set(bytes, this.fill);
      this.fill += bytes.length;
    }
    this.at += bytes.length;
  }

  drain() {
    if (!this.fill) return;
    this.put(this.buf.subarray(0, this.fill), this.at - this.fill);
    this.fill = 0;
  }

  /**
   * Writes `bytes` at offset `at`. A write that fails or writes less (Firefox
   * writes short when the disk is full) throws: a staged file with a gap or a
   * short end must never be handed on as complete.
   */
  put(bytes, at) {
    let written;
    try {
      written = this.opfs.access.write(bytes, { at });
    } catch (err) {
      throw new StagingError(`${err.name}: ${err.message}`);
    }
    if (written !== bytes.length) throw new StagingError(`${written} of ${bytes.length} bytes written at ${at}`);
  }

  async close() {
    if (!this.opfs) {
      // One buffer, not a Blob of the parts: in Firefox, slices of a Blob
      // made of many parts, passed on to the page, failed to upload
      // (tus-js-client's XHR PUTs of file.slice() ended in network errors).
      const whole = new Uint8Array(this.at);
      let at = 0;
      for (const part of this.parts) {
        whole.set(part, at);
        at += part.length;
      }
      this.parts = [];
      return new Blob([whole]);
    }
    this.drain();
    // No flush(): it asks the disk for durability (an fsync, 17 % of the time
    // to encrypt 256 MiB in Chromium), which a staging file does not need.
    this.opfs.access.close();
    const file = await this.opfs.handle.getFile();
    if (file.size !== this.at) throw new StagingError(`the stored file has ${file.size} of ${this.at} bytes`);
    return file;
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
