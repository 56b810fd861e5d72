// The vault page's worker: decrypts .cloak files and encrypts anything else,
// streaming into the extension's private storage (OPFS) so memory stays
// bounded. A decrypted file is released to the page only after its last chunk
// authenticated; on failure the staged bytes are deleted.
import init, { Decryptor, Encryptor, VaultKey } from '../crypto/wasm/cloak.js';
import { Sink, fileMetadata, hexToBytes, readFile } from '../shared/staging.js';

const ready = init();
const DIR = 'vault';
const MAGIC = [0x89, 0x43, 0x4c, 0x4f, 0x41, 0x4b, 0x0d, 0x0a];

function isCloak(head) {
  return MAGIC.every((b, i) => head[i] === b);
}

// Reads `file` into `push`, reporting progress every 2 MiB.
async function pump(file, push, job) {
  let reported = 0;
  await readFile(file, (bytes, done) => {
    push(bytes);
    if (done - reported > 2 << 20) {
      postMessage({ type: 'progress', job, done });
      reported = done;
    }
  });
}

async function run({ job, file, keys }) {
  await ready;
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  const sink = await Sink.open(DIR);
  const vaultKeys = () => keys.map((k) => VaultKey.fromBytes(hexToBytes(k)));
  try {
    if (isCloak(head) || file.name.endsWith('.cloak')) {
      const dec = new Decryptor(vaultKeys());
      await pump(file, (bytes) => sink.write(dec.push(bytes)), job);
      sink.write(dec.finish());
      const meta = dec.metadata();
      dec.free();
      const out = await sink.close();
      postMessage({ type: 'done', job, op: 'decrypted', file: out, metadata: meta });
    } else {
      const metadata = fileMetadata(file);
      const [first] = vaultKeys();
      const enc = new Encryptor([first], [], metadata, false);
      sink.write(enc.head());
      await pump(file, (bytes) => sink.write(enc.push(bytes)), job);
      sink.write(enc.finish());
      enc.free();
      const out = await sink.close();
      postMessage({ type: 'done', job, op: 'encrypted', file: out, metadata: { name: `${file.name}.cloak` } });
    }
  } catch (err) {
    await sink.discard();
    postMessage({ type: 'failed', job, code: err.code || 'error', message: err.message });
  }
}

onmessage = (e) => run(e.data);
