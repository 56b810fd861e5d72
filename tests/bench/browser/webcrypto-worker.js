// One worker of the bare WebCrypto baseline: AES-256-GCM over its share of the
// input in 16 KiB chunks, `inFlight` operations outstanding, encrypt then
// decrypt. No framing, no I/O: the ceiling for this format in this browser.
const CHUNK = 16384;

async function loop(op, key, chunks, inFlight) {
  const out = new Array(chunks.length);
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const i = next++;
      const iv = new Uint8Array(12);
      new DataView(iv.buffer).setUint32(8, i);
      out[i] = new Uint8Array(await crypto.subtle[op]({ name: 'AES-GCM', iv }, key, chunks[i]));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return out;
}

onmessage = async ({ data: { bytes, inFlight } }) => {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const input = new Uint8Array(bytes);
  for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(input.subarray(at, at + 65536));
  const chunks = [];
  for (let at = 0; at < bytes; at += CHUNK) chunks.push(input.subarray(at, at + CHUNK));
  postMessage({ type: 'ready' });
  await new Promise((r) => { onmessage = r; });
  let t = performance.now();
  const sealed = await loop('encrypt', key, chunks, inFlight);
  const encryptMs = performance.now() - t;
  t = performance.now();
  await loop('decrypt', key, sealed, inFlight);
  postMessage({ type: 'done', encryptMs, decryptMs: performance.now() - t });
};
