// The vault page: any number of files in, each decrypted or encrypted in a
// worker, saved to disk with the File System Access save picker where the
// browser has one, through a download otherwise. No size cap.
import init, { safeFileName } from '../lib/wasm/cloak.js';
import { ext } from '../platform/api.js';
import { REUSED_FILE_READS as reusedFileReads } from '../platform/browser.js';
import { isUnlocked, unlock } from './vault-ops.js';
import { describeFailure } from '../lib/outcomes.js';

const $ = (id) => document.getElementById(id);
const ready = init();
let worker = null;
let nextJob = 1;
const jobs = new Map();
let totalBytes = 0;
let doneBytes = 0;

function getWorker() {
  if (worker) return worker;
  worker = new Worker(new URL('./vault-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e) => {
    const job = jobs.get(e.data.job);
    if (!job) return;
    if (e.data.type === 'progress') job.progress(e.data.done);
    else {
      jobs.delete(e.data.job);
      if (e.data.type === 'done') job.resolve(e.data);
      else job.reject(Object.assign(new Error(e.data.message), { code: e.data.code }));
      // It read all it should through its reused buffer (lib/staging.js): the next file gets a new one.
      if (e.data.wornOut === true && !jobs.size) {
        worker.terminate();
        worker = null;
      }
    }
  };
  return worker;
}

async function keys() {
  const { vault } = await ext.storage.session.get('vault');
  return vault?.keys || [];
}

/** Decrypts or encrypts one File; resolves to {op, name, file, metadata}. */
export async function processFile(file, onProgress = () => {}) {
  await ready;
  const vaultKeys = await keys();
  if (!vaultKeys.length) throw Object.assign(new Error('Cloak is locked.'), { code: 'locked' });
  const job = nextJob++;
  const result = await new Promise((resolve, reject) => {
    jobs.set(job, { resolve, reject, progress: onProgress });
    getWorker().postMessage({ job, file, keys: vaultKeys, reusedReads: reusedFileReads });
  });
  const fallback = file.name.replace(/\.cloak$/, '') || 'decrypted';
  const name = safeFileName(result.metadata?.name || fallback);
  return { op: result.op, name, file: result.file, metadata: result.metadata };
}

async function save(name, file) {
  if (typeof window.showSaveFilePicker === 'function') {
    try {
      const handle = await window.showSaveFilePicker({ suggestedName: name });
      const writable = await handle.createWritable();
      await file.stream().pipeTo(writable);
      return 'saved';
    } catch (err) {
      if (err.name === 'AbortError') return 'not saved';
    }
  }
  const url = URL.createObjectURL(file);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return 'downloaded';
}

function addRow(file) {
  const li = document.createElement('li');
  const name = document.createElement('span');
  name.textContent = file.name;
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute('aria-label', `Progress of ${file.name}`);
  const action = document.createElement('span');
  const msg = document.createElement('span');
  msg.className = 'msg';
  li.append(name, bar, action, msg);
  $('jobs').append(li);
  return { li, bar, action, msg };
}

async function handle(files) {
  $('total').hidden = false;
  totalBytes += files.reduce((n, f) => n + f.size, 0);
  for (const file of files) {
    const row = addRow(file);
    const before = doneBytes;
    try {
      const result = await processFile(file, (done) => {
        row.bar.value = file.size ? done / file.size : 1;
        $('total').value = (before + done) / totalBytes;
      });
      row.bar.value = 1;
      row.li.dataset.state = result.op;
      row.li.dataset.output = result.name;
      row.msg.textContent = `${result.op === 'decrypted' ? 'Decrypted' : 'Encrypted'}: ${result.name}`;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Save';
      button.addEventListener('click', async () => {
        row.msg.textContent = `${result.name}: ${await save(result.name, result.file)}`;
      });
      row.action.append(button);
      if (files.length === 1) row.msg.textContent += ` — ${await save(result.name, result.file)}`;
    } catch (err) {
      row.li.dataset.state = 'failed';
      row.li.dataset.code = err.code || 'error';
      row.msg.className = 'msg error';
      row.msg.textContent = describeFailure(err);
    }
    doneBytes = before + file.size;
    $('total').value = totalBytes ? doneBytes / totalBytes : 1;
  }
}

$('pick').addEventListener('click', () => $('files').click());
$('drop').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    $('files').click();
  }
});
$('files').addEventListener('change', () => handle([...$('files').files]));
$('drop').addEventListener('dragover', (e) => {
  e.preventDefault();
  $('drop').classList.add('over');
});
$('drop').addEventListener('dragleave', () => $('drop').classList.remove('over'));
$('drop').addEventListener('drop', (e) => {
  e.preventDefault();
  $('drop').classList.remove('over');
  handle([...e.dataTransfer.files]);
});
$('unlock').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    await unlock($('pass').value);
    $('unlock').hidden = true;
  } catch (err) {
    $('unlock-error').textContent = err.code === 'wrong_passphrase' ? 'Wrong passphrase.' : err.message;
  }
});
isUnlocked().then((u) => {
  $('unlock').hidden = u;
});
