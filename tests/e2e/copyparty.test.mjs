// copyparty (PyPI), a real file server, driven through its own web UI (up2k:
// hashing, chunked resumable uploads). A scanning proxy in front of it checks
// every request for plaintext markers; the stored file must decrypt with the CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser } from '../lib/cloak.mjs';
import { cliDecrypt, makeFixtures } from '../lib/fixtures.mjs';
import { StorageSite } from './site/server.mjs';

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

/**
 * Stops copyparty and resolves once it has exited (SIGKILL after 10 s): it
 * writes its .hist folder into the volume while it shuts down, so the volume
 * is deleted only after this.
 */
async function stopCopyparty(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill();
  const slow = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(slow);
}

async function startCopyparty(volume) {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'copyparty', '-i', '127.0.0.1', '-p', String(port), '-v', `${volume}::rw`, '-q', '--no-thumb'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      request({ host: '127.0.0.1', port, path: '/' }, (res) => { res.resume(); resolve(true); }).on('error', () => resolve(false)).end();
    });
    if (up) return { port, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopCopyparty(child);
  throw new Error('copyparty did not start');
}

/** A proxy on 127.0.0.1 that scans every request before copyparty sees it. */
async function scanningProxy(scanner, target) {
  const server = createServer((req, res) => {
    scanner.scan(`url ${req.method}`, decodeURIComponent(req.url));
    for (const [k, v] of Object.entries(req.headers)) scanner.scan(`header ${k}`, v);
    const up = request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    let tail = Buffer.alloc(0);
    req.on('data', (chunk) => {
      const window = Buffer.concat([tail, chunk]);
      scanner.scan('body', window);
      tail = window.subarray(Math.max(0, window.length - 128));
    });
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

for (const browserName of BROWSERS) {
  describe(`copyparty web UI in ${browserName}`, () => {
    let volume;
    let cp;
    let proxy;
    let scanner;
    let cb;

    before(async () => {
      volume = mkdtempSync(join(tmpdir(), 'cloak-copyparty-'));
      cp = await startCopyparty(volume);
      scanner = new StorageSite();
      proxy = await scanningProxy(scanner, cp.port);
      cb = await CloakBrowser.start(browserName);
      await cb.createVault();
    });
    after(async () => {
      await cb?.close();
      await proxy?.close();
      if (cp) await stopCopyparty(cp.child);
      rmSync(volume, { recursive: true, force: true });
    });

    async function uploadThroughUi(path, storedName) {
      const page = await cb.browser.newPage();
      await page.goto(`${proxy.url}/`);
      await page.waitForSelector('#file1');
      await (await page.$('#file1')).uploadFile(path);
      // copyparty asks to confirm ("upload these 1 files to /"): press its OK.
      await page.waitForSelector('#modal-ok', { timeout: 20000 });
      await page.evaluate(() => document.getElementById('modal-ok').click());
      const target = join(volume, storedName);
      for (let i = 0; i < 300 && !existsSync(target); i++) await new Promise((r) => setTimeout(r, 100));
      // up2k writes to a temporary name first; wait until it is renamed and whole
      await new Promise((r) => setTimeout(r, 500));
      await page.close();
      return existsSync(target) ? readFileSync(target) : null;
    }

    it('control: unprotected, copyparty receives plaintext and the scanner fires', async () => {
      const fx = makeFixtures(1, 30_000);
      scanner.watch(fx.markers);
      const stored = await uploadThroughUi(fx.files[0].path, fx.files[0].name);
      assert.ok(stored?.equals(fx.files[0].body), 'copyparty stored the plaintext');
      assert.ok(scanner.hits.length > 0, 'the scanner fired');
    });

    it('protected: copyparty stores a .cloak file that decrypts to the original', async () => {
      await cb.protect(proxy.url);
      const fx = makeFixtures(1, 300_000);
      scanner.hits = [];
      scanner.watch(fx.markers);
      const stored = await uploadThroughUi(fx.files[0].path, `${fx.files[0].name}.cloak`);
      assert.ok(stored, 'copyparty stored the .cloak file');
      assert.deepEqual(scanner.hits, []);
      const back = cliDecrypt(await cb.keyFile(), stored);
      assert.equal(back.name, fx.files[0].name);
      assert.ok(back.body.equals(fx.files[0].body));
    });
  });
}
