// Test worker: writes a large file into OPFS, then reads it back, several
// times over, through the extension's own File reader (lib/staging.js).
import { allowReusedReads, readFile, readerWornOut } from '../../extension/lib/staging.js';

const MIB = 1 << 20;
const REPORT = 256 * MIB;
const NAME = 'large-read.bin';

/** Block i (1 MiB) is filled with the byte i mod 251. */
const blockByte = (at) => Math.floor(at / MIB) % 251;

async function write(root, mib) {
  const handle = await root.getFileHandle(NAME, { create: true });
  const access = await handle.createSyncAccessHandle();
  const block = new Uint8Array(MIB);
  try {
    for (let i = 0; i < mib; i++) {
      block.fill(i % 251);
      access.write(block, { at: i * MIB });
    }
  } finally {
    access.close();
  }
  return handle.getFile();
}

/** Reads `file` once; returns the bytes read and how many chunks had an unexpected first or last byte. */
async function readOnce(file, pass) {
  let at = 0;
  let misplaced = 0;
  let reported = 0;
  const read = await readFile(file, (bytes) => {
    if (bytes[0] !== blockByte(at) || bytes[bytes.length - 1] !== blockByte(at + bytes.length - 1)) misplaced++;
    at += bytes.length;
    if (at - reported >= REPORT) {
      postMessage({ type: 'progress', pass, read: at });
      reported = at;
    }
  });
  return { read, misplaced };
}

onmessage = async ({ data: { mib, passes, reusedReads } }) => {
  allowReusedReads(reusedReads);
  const root = await navigator.storage.getDirectory();
  try {
    const file = await write(root, mib);
    postMessage({ type: 'progress', stage: 'written' });
    const results = [];
    for (let pass = 0; pass < passes; pass++) results.push(await readOnce(file, pass));
    postMessage({ type: 'done', size: file.size, results, wornOut: readerWornOut() });
  } catch (err) {
    postMessage({ type: 'failed', message: `${err.name}: ${err.message}` });
  } finally {
    await root.removeEntry(NAME).catch(() => {});
  }
};
