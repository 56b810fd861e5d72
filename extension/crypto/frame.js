// The crypto frame: an extension-origin page the bridge embeds. It pairs with
// exactly one bridge (token checked by the background), encrypts in a dedicated
// worker, stages output in the extension's private storage, and shows progress.
// It offers encryption only: there is no decrypt, unwrap or export here.
import { ext } from '../platform/api.js';
import { MSG, send } from '../lib/messages.js';
import { EncryptionQueue } from './queue.js';
import { ProgressPanel } from './panel.js';

let port = null;
const panel = new ProgressPanel(document, (height) => port?.postMessage({ type: 'layout', height }));
const queue = new EncryptionQueue(panel);

window.addEventListener('message', async (e) => {
  if (port) return; // accept one pairing, ever
  const { data, ports } = e;
  if (!data || data.type !== 'cloak-pair' || typeof data.token !== 'string' || ports.length !== 1) return;
  const reply = await send(ext, MSG.CLAIM_PAIRING, { token: data.token }).catch(() => null);
  if (!reply?.ok || e.origin !== reply.result.origin || port) return;
  port = ports[0];
  port.onmessage = onRequest;
  port.postMessage({ type: 'paired' });
  queue.ensureWorker(); // loads the WASM before the first files arrive
});

function validRequest(msg) {
  return msg && msg.type === 'encrypt' && Number.isSafeInteger(msg.id)
    && Array.isArray(msg.files) && msg.files.length > 0 && msg.files.every((f) => f instanceof File)
    && Array.isArray(msg.paths) && msg.paths.length === msg.files.length
    && msg.paths.every((p) => typeof p === 'string');
}

async function onRequest(e) {
  const msg = e.data;
  if (!validRequest(msg)) return;
  try {
    const { files, paths } = await queue.encrypt(msg.files, msg.paths);
    port.postMessage({ type: 'encrypted', id: msg.id, files, paths });
  } catch (err) {
    port.postMessage({ type: 'failed', id: msg.id, code: err.code || 'error', message: err.message });
  }
}
