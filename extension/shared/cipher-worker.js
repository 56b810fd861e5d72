// A helper of the cipher pool: seals or opens one block of chunks at a time.
// It knows nothing of the format's rules; those stay with its owner.
import { cryptBlock } from './cipher-block.js';

let key = null;
let baseNonce = null;

onmessage = async ({ data }) => {
  if (data.type === 'key') {
    key = await crypto.subtle.importKey('raw', data.key, 'AES-GCM', false, [data.op]);
    baseNonce = data.baseNonce;
    postMessage({ id: data.id });
    return;
  }
  const { bytes, failed } = await cryptBlock(data.op, key, baseNonce, data.first, new Uint8Array(data.bytes), data.final);
  postMessage({ id: data.id, bytes: bytes.buffer, failed }, [bytes.buffer]);
};
