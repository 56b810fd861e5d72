// In-browser benchmark (not a test): in headless Chromium and Firefox, on the
// same random input, MB/s (median of several runs) and peak browser memory
// growth for Cloak's real path (the extension's own workers on an OPFS File,
// producing the output File), a bare WebCrypto AES-256-GCM loop at its best
// parallelism, the crate's pure-WASM engine, and the peers: libsodium.js
// secretstream, typage (age-encryption) and OpenPGP.js v6 with AEAD-GCM.
// Usage: node tests/bench/browser.mjs [SIZE_MIB=256] [RUNS=3] [PARTS=throughput,small]
// (PARTS `cloak`: the WebCrypto loop and Cloak's rows only, without the peers.)
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, normalize } from 'node:path';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser, ROOT } from '../lib/cloak.mjs';
import { sampleMemory } from '../lib/memory.mjs';
import { makeFixtures } from '../lib/fixtures.mjs';
import { StorageSite } from '../e2e/site/server.mjs';

const MIB = Number(process.argv[2] || 256);
const RUNS = Number(process.argv[3] || 3);
const PARTS = new Set((process.argv[4] || 'throughput,small').split(','));
const BYTES = MIB * 1048576; // not << 20, which overflows 32 bits from 2,048 MiB
const THINK_MS = 1000;
const PARALLELISM = [[1, 4], [1, 16], [1, 64], [2, 16], [2, 64], [4, 32]];

const IMPORT_MAP = {
  imports: {
    'libsodium-wrappers': '/node_modules/libsodium-wrappers/dist/modules-esm/libsodium-wrappers.mjs',
    libsodium: '/node_modules/libsodium/dist/modules-esm/libsodium.mjs',
    'age-encryption': '/node_modules/age-encryption/dist/index.js',
    '@noble/': '/node_modules/@noble/',
    '@scure/base': '/node_modules/@scure/base/index.js',
    openpgp: '/node_modules/openpgp/dist/openpgp.min.mjs',
    cloak: '/wasm/cloak.js',
  },
};
const MOUNTS = { '/bench/': 'tests/bench/browser/', '/node_modules/': 'node_modules/', '/wasm/': 'extension/lib/wasm/' };
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html; charset=utf-8', '.json': 'application/json' };

async function serve() {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const mount = Object.keys(MOUNTS).find((m) => path.startsWith(m));
    const rel = mount && normalize(path.slice(mount.length));
    if (!rel || rel.startsWith('..')) return res.writeHead(404).end();
    try {
      let body = await readFile(join(ROOT, MOUNTS[mount], rel));
      if (path === '/bench/bench.html') body = body.toString().replace('IMPORT_MAP', JSON.stringify(IMPORT_MAP));
      res.writeHead(200, { 'content-type': TYPES[path.slice(path.lastIndexOf('.'))] || 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
    return undefined;
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (ms) => BYTES / 1e6 / (ms / 1000);

/** Runs `fn` RUNS times with memory sampled; returns median MB/s and the largest growth. */
async function measure(pid, fn) {
  const enc = [];
  const dec = [];
  let growth = 0;
  for (let i = 0; i < RUNS; i++) {
    const mem = sampleMemory(pid);
    const r = await fn();
    growth = Math.max(growth, mem.stop().growth);
    enc.push(r.encryptMs);
    dec.push(r.decryptMs);
  }
  return { encrypt: mbps(median(enc)), decrypt: mbps(median(dec)), growthMiB: growth / 1048576 };
}

/** Cloak's real path, in an extension page: crypto/worker.js encrypts an OPFS File, vault-worker.js decrypts it. */
async function cloakPath(page) {
  await page.evaluate(async (bytes) => {
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle('bench-input.bin', { create: true });
    const w = await handle.createWritable();
    const piece = new Uint8Array(1 << 20);
    for (let at = 0; at < bytes; at += piece.length) {
      for (let o = 0; o < piece.length; o += 65536) crypto.getRandomValues(piece.subarray(o, o + 65536));
      await w.write(piece);
    }
    await w.close();
    window.benchInput = await handle.getFile();
    const ext = globalThis.browser ?? globalThis.chrome;
    window.benchKey = (await ext.storage.session.get('vault')).vault.keys[0];
    window.benchReusedReads = typeof ext.runtime.getBrowserInfo === 'function'; // as platform/api.js decides
    window.benchJob = (script, msg) => new Promise((resolve, reject) => {
      const worker = new Worker(new URL(script, location.href), { type: 'module' });
      const t = performance.now();
      let file = null;
      worker.onmessage = (e) => {
        if (e.data.type === 'progress') return;
        if (e.data.type === 'segment') { // the encryption worker's output (one segment for one file)
          file = e.data.file;
          return;
        }
        worker.terminate();
        if (e.data.type === 'done') resolve({ ms: performance.now() - t, file: file ?? e.data.file });
        else reject(new Error(e.data.message));
      };
      worker.postMessage(msg);
    });
  }, BYTES);
  return () => page.evaluate(async () => {
    const enc = await window.benchJob('../crypto/worker.js', { job: 1, files: [window.benchInput], keyBytes: window.benchKey, pad: false, reusedReads: window.benchReusedReads });
    const dec = await window.benchJob('./vault-worker.js', { job: 2, file: enc.file, keys: [window.benchKey], reusedReads: window.benchReusedReads });
    if (dec.file.size !== window.benchInput.size) throw new Error('round trip size differs');
    const root = await navigator.storage.getDirectory();
    for (const dir of ['staging', 'vault']) await root.removeEntry(dir, { recursive: true }).catch(() => {});
    return { encryptMs: enc.ms, decryptMs: dec.ms };
  });
}

/**
 * Seconds to upload 1,000 files of 10 KiB through the test site's file input
 * (one request each), without and with Cloak protecting the site (median of
 * RUNS, alternating). Timed from the click that opens the file chooser, which
 * returns the files THINK_MS later, as a user takes a moment to pick them;
 * both runs wait the same. Also reports when the page received the files.
 */
async function smallFiles(cb) {
  const site = await new StorageSite().start();
  const fx = makeFixtures(1000, 10 * 1024);
  const once = async () => {
    site.reset();
    const page = await cb.browser.newPage();
    await page.goto(`${site.url}/app.html?mode=put`);
    await page.evaluate(() => window.addEventListener('change', () => {
      window.changedAt ??= performance.timeOrigin + performance.now();
    }));
    const t = Date.now();
    // As a user does it: a click opens the file chooser, which returns the files.
    const [chooser] = await Promise.all([page.waitForFileChooser(), page.click('#picker')]);
    await new Promise((r) => setTimeout(r, THINK_MS));
    await chooser.accept(fx.files.map((f) => f.path));
    await page.waitForFunction(() => window.uploaded + window.failed.length >= 1000, { timeout: 600_000, polling: 100 });
    const seconds = (Date.now() - t) / 1000;
    const selected = (await page.evaluate(() => window.changedAt) - t) / 1000;
    await page.close();
    return { seconds, selected };
  };
  const mid = (runs, key) => median(runs.map((r) => r[key]));
  const summary = (runs) => ({ seconds: mid(runs, 'seconds'), selected: mid(runs, 'selected') });
  const plain = [];
  const sealed = [];
  try {
    await cb.goToExtensionPage('onboarding.html'); // protect() uses its form
    for (let i = 0; i < RUNS; i++) {
      plain.push(await once());
      if ([...site.stored.keys()].some((n) => n.endsWith('.cloak'))) throw new Error('a file was encrypted with Cloak off');
      await cb.protect(site.url);
      sealed.push(await once());
      if (![...site.stored.keys()].every((n) => n.endsWith('.cloak'))) throw new Error('not every file was encrypted');
      await cb.unprotect(site.url);
    }
    return { plain: summary(plain), sealed: summary(sealed) };
  } finally {
    await site.stop();
  }
}

async function throughput(cb, name, site) {
  const pid = cb.browser.process().pid;
  const page = await cb.browser.newPage();
  await page.goto(`${site}/bench/bench.html`);
  await page.waitForFunction(() => window.benchReady, { timeout: 30000 });
  const rows = {};
  let best = null;
  for (const [workers, inFlight] of PARALLELISM) {
    const r = await page.evaluate((b, p) => window.bench.webcrypto(b, p), BYTES, { workers, inFlight });
    const rate = mbps(r.encryptMs) + mbps(r.decryptMs);
    console.log(`${name}: WebCrypto ${workers} workers × ${inFlight}: ${mbps(r.encryptMs).toFixed(0)} / ${mbps(r.decryptMs).toFixed(0)} MB/s`);
    if (!best || rate > best.rate) best = { workers, inFlight, rate };
  }
  rows[`WebCrypto loop (${best.workers} workers × ${best.inFlight} in flight)`] = await measure(pid,
    () => page.evaluate((b, p) => window.bench.webcrypto(b, p), BYTES, best));
  const ext = await cb.goToExtensionPage('vault.html');
  rows['Cloak (extension workers, File → OPFS File)'] = await measure(pid, await cloakPath(ext));
  const peers = PARTS.has('throughput') ? [['crate pure-WASM engine', 'wasm'],
    ['libsodium.js secretstream 64 KiB (engine, input in memory)', 'sodium'],
    ['libsodium.js secretstream 64 KiB (OPFS File → Blob)', 'sodiumFile'],
    ['typage (engine, input in memory)', 'typage'], ['typage (OPFS File → Blob)', 'typageFile'],
    ['OpenPGP.js v6 AEAD-GCM (engine, input in memory)', 'pgp'], ['OpenPGP.js v6 AEAD-GCM (OPFS File → Blob)', 'pgpFile']] : [];
  for (const [label, fn] of peers) {
    rows[label] = await measure(pid, () => page.evaluate((f, b) => window.bench[f](b), fn, BYTES));
  }
  return rows;
}

async function benchBrowser(name, site) {
  const cb = await CloakBrowser.start(name);
  try {
    await cb.createVault();
    const rows = PARTS.has('throughput') || PARTS.has('cloak') ? await throughput(cb, name, site) : {};
    return { rows, small: PARTS.has('small') ? await smallFiles(cb) : null };
  } finally {
    await cb.close();
  }
}

function printRows(name, rows) {
  const base = Object.entries(rows).find(([k]) => k.startsWith('WebCrypto'))[1];
  console.log(`\n${name}: ${MIB} MiB, median of ${RUNS}`);
  console.log('| engine | encrypt MB/s | decrypt MB/s | × WebCrypto (enc/dec) | peak growth |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [label, r] of Object.entries(rows)) {
    console.log(`| ${label} | ${r.encrypt.toFixed(0)} | ${r.decrypt.toFixed(0)} | ${(r.encrypt / base.encrypt).toFixed(2)} / ${(r.decrypt / base.decrypt).toFixed(2)} | ${r.growthMiB.toFixed(0)} MiB |`);
  }
}

const { server, url } = await serve();
const results = { sizeMiB: MIB, runs: RUNS, machine: `${cpus().length} cores, ${cpus()[0].model}`, browsers: {} };
console.log(`machine: ${results.machine}`);
try {
  for (const name of BROWSERS) {
    results.browsers[name] = await benchBrowser(name, url);
    const { rows, small } = results.browsers[name];
    if (Object.keys(rows).length) printRows(name, rows);
    if (small) {
      const { plain, sealed } = small;
      console.log(`\n${name}: 1,000 × 10 KiB upload: ${plain.seconds.toFixed(1)} s without Cloak, ${sealed.seconds.toFixed(1)} s with`
        + ` (+${(sealed.seconds - plain.seconds).toFixed(1)} s); the page had the files after ${plain.selected.toFixed(2)} s and ${sealed.selected.toFixed(2)} s`);
    }
  }
} finally {
  server.close();
}
mkdirSync(join(ROOT, 'target/bench'), { recursive: true });
writeFileSync(join(ROOT, 'target/bench/browser.json'), JSON.stringify(results, null, 2));
