// Helpers shared by Cloak's workers (the crypto frame's and the vault page's):
// staging output in the extension's private storage (OPFS) so memory stays
// bounded and the resulting File is disk-backed, and reading a File in order.
import { ignoring } from './ignoring.js';

export const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));

/**
 * The metadata Cloak stores for a File; `folder` ("Taxes/2024"), when its
 * folders are hidden from the site, travels only inside the encryption.
 */
export function fileMetadata(file, folder = '') {
  const metadata = { name: file.name, mtime: file.lastModified, size: file.size };
  if (file.type) metadata.type = file.type;
  if (folder) metadata.folder = folder;
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

// Files are read into one buffer per worker, reused (BYOB), where the
// browser allows it (`allowReusedReads`, from platform/api.js):
// - A default reader hands out a new buffer per read. The browser frees such
//   garbage only at the next GC, in bulk, and the allocator returns its pages
//   to the system, so every new buffer is filled by faulting fresh pages in.
//   Reading into one reused buffer saves Firefox's sealing about an eighth
//   of its CPU per MiB (docs/PERFORMANCE.md, "Rules the code keeps").
// - Chromium's Blob stream reads through BYOB stop for good, unpredictably:
//   after 2.3-3.3 GiB read alone in a worker, but after 250 MiB in 1 of 3
//   1 GiB uploads while the worker also sealed. So Chromium reads with the
//   default reader.
// - Firefox has not stalled (8 GiB read in one worker, 4 GiB round trips).
//   Still, a worker reads through BYOB only for its first BYOB_READS reads or
//   BYOB_BYTES bytes, switching to the default reader in the middle of a
//   stream if need be, and `readerWornOut()` tells its owner to replace it
//   when idle (crypto/queue.js, ui/vault.js): no worker reads more that way
//   than has been seen to work.
const READ_BUFFER = 1 << 20;
const BYOB_READS = 8192;
const BYOB_BYTES = 2 ** 30;
let byobAllowed = false;
let byobReads = 0;
let byobBytes = 0;
let spare = null; // the buffer, while no stream reads into it (null until first used)
let lent = false;

/** Lets this worker read Files into a reused buffer (`reusedFileReads` of platform/api.js). */
export function allowReusedReads(allowed) {
  byobAllowed = allowed === true;
}

/** True once this worker has made the BYOB reads it should: replace it when idle. */
export const readerWornOut = () => byobReads >= BYOB_READS || byobBytes >= BYOB_BYTES;

/** The reused buffer, or null where not allowed, while another stream has it, or once the budget is spent. */
function borrowBuffer() {
  if (!byobAllowed || lent || readerWornOut()) return null;
  lent = true;
  const buffer = spare ?? new ArrayBuffer(READ_BUFFER);
  spare = null;
  return buffer;
}

/** Returns the buffer (null if it went with a failed or cancelled read). */
function returnBuffer(buffer) {
  spare = buffer;
  lent = false;
}

/**
 * A reader of `file`'s bytes (`read()`, `cancel()`), into the worker's reused
 * buffer while it has it and may. Each chunk read MUST be consumed before the
 * next read, which may overwrite it.
 */
export function fileReader(file) {
  const stream = file.stream();
  let buffer = borrowBuffer();
  let reader = null;
  if (buffer) {
    try {
      reader = stream.getReader({ mode: 'byob' });
    } catch {
      returnBuffer(buffer);
      buffer = null;
    }
  }
  reader ??= stream.getReader();
  let borrowed = Boolean(buffer);
  const release = (b) => {
    if (borrowed) returnBuffer(b);
    borrowed = false;
  };
  return {
    async read() {
      if (borrowed && readerWornOut()) {
        reader.releaseLock();
        reader = stream.getReader();
        release(buffer);
      }
      if (!borrowed) return reader.read();
      byobReads++;
      let step;
      try {
        step = await reader.read(new Uint8Array(buffer));
      } catch (err) {
        release(null); // the buffer went with the failed read
        throw err;
      }
      buffer = step.value?.buffer ?? null;
      if (!step.done) {
        byobBytes += step.value.length;
        return step;
      }
      release(buffer);
      return { done: true, value: undefined };
    },
    cancel(reason) {
      release(null);
      return reader.cancel(reason);
    },
  };
}

/**
 * Feeds every chunk of `file` to `onChunk(bytes, bytesReadSoFar)` in order,
 * awaiting it before the next read; returns the bytes read. `onChunk` MUST be
 * done with `bytes` when it resolves: the next read may overwrite them.
 */
export async function readFile(file, onChunk) {
  const reader = fileReader(file);
  let done = 0;
  try {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return done;
      done += value.length;
      await onChunk(value, done);
    }
  } catch (err) {
    await reader.cancel(err).catch(ignoring('cancelling a failed read'));
    throw err;
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
    await this.opfs.dir.removeEntry(this.opfs.name).catch(ignoring('removing a staging file (swept at the next start)'));
  }
}
