// A 1 GiB upload through the extension in each browser: the stored .cloak file
// decrypts (with the CLI) to the same SHA-256, and browser memory growth, summed
// over all browser processes, stays within 256 MiB. Then the same file is
// downloaded back and decrypted by Cloak on the way, under the same rule. The
// browser's own upload and download of the same file are measured beside them
// and reported. Set CLOAK_LARGE_MIB to change the size.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser, PASSPHRASE } from '../lib/cloak.mjs';
import { CLI } from '../lib/fixtures.mjs';
import { sampleMemory, settle } from '../lib/memory.mjs';
import { placeLink } from '../lib/links.mjs';
import { StorageSite } from './site/server.mjs';

const MIB = Number(process.env.CLOAK_LARGE_MIB || 1024);
const LIMIT = 256 * 1024 * 1024;
const mib = (n) => `${(n / 1048576).toFixed(0)} MiB`;
/** Free space where the browsers' profiles, the fixture and the server's files are. */
const diskFree = () => {
  const { bavail, bsize } = statfsSync(tmpdir());
  return `${mib(bavail * bsize)} free on the disk of ${tmpdir()}`;
};

async function sha256(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

function bigFile(dir, marker) {
  const path = join(dir, 'large.bin');
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < MIB; i++) {
    randomBytes(4096).copy(block, 0);
    block.write(`${marker} block ${i}`, 8192);
    hash.update(block);
    writeSync(fd, block);
  }
  closeSync(fd);
  return { path, sha256: hash.digest('hex') };
}

for (const browserName of BROWSERS) {
  describe(`${MIB} MiB upload in ${browserName}`, () => {
    let site;
    let cb;
    let dir;
    let fixture;
    let downloads;
    let stored = null;
    const marker = `PLAINTEXT-MARKER-${randomBytes(6).toString('hex')}`;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cloak-large-'));
      fixture = bigFile(dir, marker);
      site = await new StorageSite().start();
      site.watch([marker]);
      downloads = join(dir, 'downloads');
      mkdirSync(downloads);
      cb = await CloakBrowser.start(browserName, { downloadDir: downloads });
      await cb.createVault();
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Uploads the fixture from a new page; closes the page unless `keepPage`. */
    async function upload({ keepPage = false } = {}) {
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=stream`);
      await settle(cb.browser.process().pid);
      const mem = sampleMemory(cb.browser.process().pid);
      const started = Date.now();
      const receivedBefore = site.streamedBytes;
      await (await page.$('#picker')).uploadFile(fixture.path);
      // Until the page's upload ends, or Cloak reports that it blocked it.
      let done = 0;
      let blocked;
      for (let polls = 0; Date.now() - started < 600_000; polls++) {
        if ((done = await page.evaluate(() => window.uploaded + window.failed.length))) break;
        if (polls % 8 === 7 && (blocked = (await cb.recent()).find((r) => r.status === 'blocked' && r.at >= started))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const result = mem.stop();
      const seconds = (Date.now() - started) / 1000;
      assert.ok(done, `the upload had not finished after ${seconds.toFixed(0)} s: ${blocked ? `Cloak blocked it: ${JSON.stringify(blocked)}` : 'Cloak reported no failure'}; the server had received ${mib(site.streamedBytes - receivedBefore)}; memory growth ${mib(result.growth)}; ${diskFree()}`);
      assert.deepEqual(await page.evaluate(() => window.failed), [], `the page's upload failed after ${seconds.toFixed(1)} s; ${diskFree()}`);
      if (!keepPage) await page.close();
      return { ...result, page };
    }

    /**
     * In Firefox, Cloak's sealing worker reads through its reused buffer only
     * so long (lib/staging.js), and after 1 GiB it is replaced. The page's
     * next selection must still go up encrypted and open, in both browsers.
     */
    async function nextSelection(page) {
      const path = join(dir, 'next.bin');
      const bytes = randomBytes(3 << 20);
      writeFileSync(path, bytes);
      await (await page.$('#picker')).uploadFile(path);
      await page.waitForFunction(() => window.uploaded + window.failed.length >= 2, { timeout: 60_000, polling: 250 });
      assert.deepEqual(await page.evaluate(() => window.failed), [], 'the next selection uploaded');
      const next = site.streamed.get('next.bin.cloak');
      assert.ok(next, `the next selection was stored encrypted: ${JSON.stringify([...site.streamed.keys()])}`);
      return { next, bytes };
    }

    it('decrypts to the same SHA-256 with bounded browser memory', async (t) => {
      const plain = await upload(); // the browser's own cost, without Cloak
      assert.ok(site.hits.length > 0, 'control: the unprotected upload carried plaintext');
      site.reset();
      site.streamed.clear();
      await cb.protect(site.url);
      const started = Date.now();
      const sealed = await upload({ keepPage: true });
      const seconds = (Date.now() - started) / 1000;
      const { next, bytes } = await nextSelection(sealed.page);
      await sealed.page.close();
      assert.deepEqual(site.hits, [], 'no plaintext reached the server');
      stored = site.streamed.get('large.bin.cloak');
      assert.ok(stored, `large.bin.cloak was stored: ${JSON.stringify([...site.streamed.keys()])}`);
      const keyPath = join(dir, 'key.json');
      writeFileSync(keyPath, await cb.keyFile());
      const decrypt = (path, out) => execFileSync(CLI, ['decrypt', '--key', keyPath, '-o', out, path], { env: { ...process.env, CLOAK_PASSPHRASE: PASSPHRASE } });
      decrypt(next.path, join(dir, 'next.out'));
      assert.ok(readFileSync(join(dir, 'next.out')).equals(bytes), 'the next selection decrypts to its plaintext');
      const out = join(dir, 'out.bin');
      decrypt(stored.path, out);
      assert.equal(await sha256(out), fixture.sha256, 'decrypted SHA-256 matches');
      rmSync(out);
      // Its hash is kept; the file itself only takes disk space from the download test.
      rmSync(fixture.path);
      t.diagnostic(`${browserName}: growth without Cloak ${mib(plain.growth)}, with Cloak ${mib(sealed.growth)} (peak ${mib(sealed.peak)}); encrypt+upload ${seconds.toFixed(1)} s`);
      assert.ok(sealed.growth <= LIMIT, `the upload through Cloak grew browser memory by ${mib(sealed.growth)}`);
    });

    /**
     * Clicks a download link to `url`; resolves with the memory figures once
     * `name` has `size` bytes and no partial file is left (Firefox creates the
     * final name first).
     */
    async function download(url, name, size) {
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html`);
      const link = await placeLink(page, url);
      await settle(cb.browser.process().pid);
      const mem = sampleMemory(cb.browser.process().pid);
      await page.click(link);
      const partial = /\.(crdownload|part)$/;
      const end = Date.now() + 600_000;
      while (Date.now() < end) {
        const files = readdirSync(downloads);
        if (files.includes(name) && statSync(join(downloads, name)).size === size && !files.some((f) => partial.test(f))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const result = mem.stop();
      await page.close();
      assert.ok(existsSync(join(downloads, name)) && statSync(join(downloads, name)).size === size,
        `${name} was not saved whole: ${JSON.stringify(readdirSync(downloads).map((f) => [f, statSync(join(downloads, f)).size]))}, ${JSON.stringify(await cb.recent())}; ${diskFree()}`);
      return result;
    }

    it('downloads back, decrypted by Cloak, to the same SHA-256 with bounded browser memory', async (t) => {
      assert.ok(stored, 'the upload test stored the file');
      const urls = site.offer('large.bin.cloak', { path: stored.path, size: stored.size });
      // Cloak's download first, so that whatever the browser keeps of its own
      // download cannot sit in the baseline of Cloak's.
      const started = Date.now();
      const opened = await download(urls.attachment, 'large.bin', MIB * 1048576); // not << 20: 4,096 MiB overflows 32 bits
      const seconds = (Date.now() - started) / 1000;
      assert.equal(await sha256(join(downloads, 'large.bin')), fixture.sha256, 'the saved file is the original');
      assert.ok(!readdirSync(downloads).includes('large.bin.cloak'), 'the ciphertext download was replaced');
      rmSync(join(downloads, 'large.bin'));
      await cb.unprotect(site.url);
      const plain = await download(urls.attachment, 'large.bin.cloak', stored.size); // the browser's own cost
      t.diagnostic(`${browserName}: download growth with Cloak ${mib(opened.growth)} (peak ${mib(opened.peak)}), the browser's own download of the ciphertext ${mib(plain.growth)}; fetch+decrypt+save ${seconds.toFixed(1)} s`);
      assert.ok(opened.growth <= LIMIT, `the download through Cloak grew browser memory by ${mib(opened.growth)}`);
    });
  });
}
