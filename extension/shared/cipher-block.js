// AES-256-GCM over one block of consecutive 16 KiB chunks, all of the block's
// WebCrypto operations in flight: the unit of work of the cipher pool, run in a
// helper worker or, for small files, in the caller's own thread.
import { nonceFor } from '../crypto/engine.js';

const CHUNK = 16384;
const TAG = 16;

/**
 * Seals (`op` 'encrypt') or opens ('decrypt') `input`, whole chunks starting at
 * chunk `first`; a `final` block ends with the short final chunk (possibly
 * empty when encrypting). Resolves to `{bytes, failed}`: on failure, `failed`
 * is the first unauthentic chunk and `bytes` the plaintext before it (checked
 * first, in stream order).
 */
export async function cryptBlock(op, key, baseNonce, first, input, final) {
  const step = op === 'encrypt' ? CHUNK : CHUNK + TAG;
  const grow = op === 'encrypt' ? TAG : -TAG;
  const count = final ? Math.floor(input.length / step) + 1 : input.length / step;
  const out = new Uint8Array(input.length + count * grow);
  const jobs = [];
  for (let i = 0; i < count; i++) {
    const piece = input.subarray(i * step, Math.min((i + 1) * step, input.length));
    jobs.push(crypto.subtle[op]({ name: 'AES-GCM', iv: nonceFor(baseNonce, first + i) }, key, piece)
      .then((r) => out.set(new Uint8Array(r), i * (step + grow))));
  }
  const results = await Promise.allSettled(jobs);
  const failed = results.findIndex((r) => r.status === 'rejected');
  if (failed < 0) return { bytes: out, failed: undefined };
  return { bytes: out.slice(0, failed * (step + grow)), failed: first + failed };
}
