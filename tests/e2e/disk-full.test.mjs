// A disk that fills up while Cloak stages an upload: the browser's profile sits
// on a small filesystem of its own (a tmpfs, so the test needs root to mount
// it), and the selected file is larger than the room left. The upload must be
// blocked with a message that says why, the page must get no file (never a
// short one), and the popup's Recent list must name the blocked upload. A
// download too large to stage fails the same way, and saves nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser, PASSPHRASE } from '../lib/cloak.mjs';
import { CLI } from '../lib/fixtures.mjs';
import { placeLink } from '../lib/links.mjs';
import { waitFor } from '../lib/wait.mjs';
import { StorageSite } from './site/server.mjs';

const ROOM_MIB = 320; // the small filesystem: the profile and some staging room
const FILE_MIB = 512; // selected: more than fits

/** A tmpfs of `mib` MiB mounted on a new directory; null where this machine cannot (not root). */
function mountSmall(mib) {
  const at = mkdtempSync(join(tmpdir(), 'cloak-small-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', at], { stdio: 'pipe' });
    return at;
  } catch {
    rmSync(at, { recursive: true, force: true });
    return null;
  }
}

function unmount(at) {
  execFileSync('umount', ['-l', at]);
  rmSync(at, { recursive: true, force: true });
}

const probe = mountSmall(1);
if (probe) unmount(probe);

function bigFile(dir) {
  const path = join(dir, 'too-big.bin');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(1 << 20, 0x5a);
  for (let i = 0; i < FILE_MIB; i++) writeSync(fd, block);
  closeSync(fd);
  return path;
}

for (const browserName of BROWSERS) {
  describe(`a full disk in ${browserName}`, { skip: !probe && 'this machine cannot mount a small filesystem (it needs root)' }, () => {
    let small;
    let dir;
    let site;
    let cb;
    let downloads;
    let fixture;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cloak-disk-full-'));
      small = mountSmall(ROOM_MIB);
      fixture = bigFile(dir);
      downloads = join(dir, 'downloads'); // on the big disk: the staging is what cannot fit
      mkdirSync(downloads);
      site = await new StorageSite().start();
      cb = await CloakBrowser.start(browserName, { profileIn: small, downloadDir: downloads });
      await cb.createVault();
      await cb.protect(site.url);
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
      if (small) unmount(small);
      rmSync(dir, { recursive: true, force: true });
    });

    it('an upload that does not fit is blocked with the reason, and the page gets no file', async () => {
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=stream`);
      const started = Date.now();
      await (await page.$('#picker')).uploadFile(fixture);
      const blocked = await waitFor(async () => (await cb.recent()).find((r) => r.status === 'blocked' && r.at >= started), 120_000);
      const seen = await page.evaluate(() => window.seen);
      assert.deepEqual(seen, [], 'the page saw no file');
      assert.ok(blocked, `Cloak recorded no blocked upload; recent: ${JSON.stringify(await cb.recent())}`);
      assert.equal(blocked.name, 'too-big.bin');
      assert.equal(blocked.code, 'storage', `the reason is the full disk: ${JSON.stringify(blocked)}`);
      assert.match(blocked.message, /disk space/);
      assert.equal(site.streamed.size + site.stored.size, 0, 'nothing reached the server');
      assert.equal(site.streamedBytes, 0, 'no upload started');
      await page.close();
      const popup = await cb.goToExtensionPage('popup.html');
      const listed = () => popup.evaluate(() => document.getElementById('recent').textContent);
      await waitFor(async () => /blocked/.test(await listed()), 10_000);
      assert.match(await listed(), /blocked: too-big\.bin — .*disk space/, "the popup's Recent list names the blocked upload and why");
    });

    it('a download that does not fit fails with the reason and saves nothing', async () => {
      const keyPath = join(dir, 'key.json');
      writeFileSync(keyPath, await cb.keyFile());
      const sealed = join(dir, 'too-big.bin.cloak');
      execFileSync(CLI, ['encrypt', '--key', keyPath, '-o', sealed, fixture], { env: { ...process.env, CLOAK_PASSPHRASE: PASSPHRASE } });
      const urls = site.offer('too-big.bin.cloak', { path: sealed, size: statSync(sealed).size });
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html`);
      const link = await placeLink(page, urls.attachment);
      const started = Date.now();
      await page.click(link);
      const failed = await waitFor(async () => (await cb.recent()).find((r) => r.status === 'failed' && r.at >= started), 120_000);
      assert.ok(failed, `Cloak recorded no failed download; recent: ${JSON.stringify(await cb.recent())}`);
      assert.equal(failed.code, 'storage', `the reason is the full disk: ${JSON.stringify(failed)}`);
      assert.match(failed.message, /disk space/);
      await new Promise((r) => setTimeout(r, 2000)); // a save, if one were coming
      assert.deepEqual(readdirSync(downloads), [], 'nothing was saved');
      await page.close();
    });
  });
}
