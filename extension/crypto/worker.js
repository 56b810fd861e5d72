// Dedicated worker of the crypto frame: encrypts a batch of Files (one user
// selection) into staging files in the extension's private storage (OPFS), so
// memory stays bounded and what the page receives is disk-backed. Falls back
// to memory where OPFS is unavailable.
//
// Files share staging files ("segments") because opening and closing an OPFS
// file costs 8 ms (Chromium) to 25 ms (Firefox), which dominated folders of
// small files. A segment is closed and posted every SEGMENT_FILES files or
// SEGMENT_BYTES bytes, so the frame cuts the Files out of one segment (each
// Blob costs Chromium about 0.35 ms) while this worker seals the next.
//
// A selection of at most MEMORY_BATCH bytes is staged in memory instead: the
// page's upload of a File cut from an OPFS file costs Chromium about 1.4 ms
// more per file than one from memory (1,000 files of 10 KiB took 1.4 s longer
// to upload), and so little memory is worth it.
import init from '../lib/wasm/cloak.js';
import { sealFile } from '../lib/seal.js';
import { Sink, allowReusedReads, readerWornOut, sweepStale } from '../lib/staging.js';
import { ignoring } from '../lib/ignoring.js';

const ready = init();
const STAGING = 'staging';
const STALE_MS = 24 * 3600_000;
const PROGRESS_MS = 100;
const SMALL_FILE = 1 << 20;
const SMALL_IN_FLIGHT = 16;
const SEGMENT_FILES = 128;
const SEGMENT_BYTES = 64 << 20;
const MEMORY_BATCH = 64 << 20;

// Staged files are deleted once stale; the page may still be uploading recent ones.
const swept = sweepStale(STAGING, STALE_MS);

/** Staging output for one batch: the current segment and the closed ones. */
class Segments {
  constructor(job, { inMemory }) {
    this.job = job;
    this.inMemory = inMemory;
    this.sink = null;
    this.first = 0; // index of the segment's first file
    this.spans = [];
    this.closed = []; // Sinks already posted, deleted if the batch fails
  }

  async current() {
    this.sink ??= this.inMemory ? new Sink(null) : await Sink.open(STAGING, { memoryFallback: true });
    return this.sink;
  }

  /** Records the file just written as [start, end) of the current segment; posts the segment when full. */
  async placed(start) {
    this.spans.push([start, this.sink.at]);
    if (this.spans.length >= SEGMENT_FILES || this.sink.at >= SEGMENT_BYTES) await this.post();
  }

  async post() {
    if (!this.sink) return;
    const file = await this.sink.close();
    postMessage({ type: 'segment', job: this.job, first: this.first, spans: this.spans, file });
    this.closed.push(this.sink);
    this.first += this.spans.length;
    this.spans = [];
    this.sink = null;
  }

  async discard() {
    for (const sink of [...this.closed, this.sink]) await sink?.discard();
  }
}

/**
 * Seals the files of a batch in order into `segments`. Small files are sealed
 * several at a time into memory and written in order: each costs a few
 * WebCrypto and read round trips, which overlap; large files stream straight
 * into the segment, one at a time.
 */
async function sealBatch(files, segments, options, report) {
  const window = [];
  // Writes file `index` into the current segment with `write(sink)`, which
  // returns the ciphertext length the format prescribes.
  const place = async (index, write) => {
    const sink = await segments.current();
    const start = sink.at;
    const expected = await write(sink);
    if (sink.at - start !== expected) throw new Error(`${files[index].name} changed while it was read`);
    report(index, files[index].size);
    await segments.placed(start);
  };
  const placeNext = async () => {
    const { index, staged, expected } = await window.shift();
    await place(index, (sink) => {
      for (const part of staged.parts) sink.write(part);
      return expected;
    });
  };
  for (const [index, file] of files.entries()) {
    if (file.size <= SMALL_FILE) {
      const staged = new Sink(null);
      const sealed = sealFile(file, options.keyBytes, { ...options, folder: options.folders?.[index] ?? '', sink: staged }).then((expected) => ({ index, staged, expected }));
      sealed.catch(ignoring('a chunk after an earlier failure')); // awaited in order below; an earlier failure may leave it unread
      window.push(sealed);
      if (window.length >= SMALL_IN_FLIGHT) await placeNext();
      continue;
    }
    while (window.length) await placeNext();
    const onProgress = (done) => report(index, done);
    await place(index, (sink) => sealFile(file, options.keyBytes, { ...options, folder: options.folders?.[index] ?? '', sink, onProgress }));
  }
  while (window.length) await placeNext();
  await segments.post();
}

async function encryptBatch({ job, files, folders, keyBytes, pad, engine, reusedReads }) {
  await ready;
  allowReusedReads(reusedReads);
  await swept;
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const segments = new Segments(job, { inMemory: total <= MEMORY_BATCH });
  let reportedAt = 0;
  // At most ten progress messages a second: each costs as much as sealing a small file.
  const report = (index, done) => {
    const now = performance.now();
    if (now - reportedAt < PROGRESS_MS) return;
    postMessage({ type: 'progress', job, index, done });
    reportedAt = now;
  };
  try {
    await sealBatch(files, segments, { keyBytes, pad, engine, folders }, report);
    postMessage({ type: 'done', job, wornOut: readerWornOut() });
  } catch (err) {
    await segments.discard();
    postMessage({ type: 'failed', job, wornOut: readerWornOut(), code: err.code || 'error', message: `Encryption failed: ${err.message}` });
  }
}

onmessage = (e) => {
  encryptBatch(e.data);
};
