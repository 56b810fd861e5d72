// Keys you cannot lose: onboarding never replaces a key, a new key encrypts
// nothing and protects no site until its recovery key is confirmed, and an
// interrupted setup resumes with the same key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser, PASSPHRASE } from '../lib/cloak.mjs';
import { makeFixtures } from '../lib/fixtures.mjs';
import { waitFor } from '../lib/wait.mjs';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { StorageSite } from './site/server.mjs';

for (const browserName of BROWSERS) {
  describe(`setup in ${browserName}`, () => {
    let site;
    let cb;
    let page;
    before(async () => {
      site = await new StorageSite().start();
      cb = await CloakBrowser.start(browserName);
      page = await cb.goToExtensionPage('onboarding.html');
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
    });

    const visible = () => page.evaluate(() => [...document.querySelectorAll('body > section, body > form')]
      .filter((s) => !s.hidden).map((s) => s.id));
    const keyIds = () => cb.inExtension(async () => (await (await import('./vault-ops.js')).describeKeys()).map((k) => k.keyId));
    // A script click: headless Chromium crashes on a mouse click in an extension page.
    const click = (id) => page.evaluate((i) => document.getElementById(i).click(), id);
    const reload = async () => {
      page = await cb.goToExtensionPage('onboarding.html');
      await page.waitForFunction(() => [...document.querySelectorAll('body > section, body > form')].some((s) => !s.hidden), { polling: 100 });
    };
    /** Clicks every visible button of the visible screen, reloading between clicks. */
    async function clickEverything() {
      const ids = await page.evaluate(() => [...document.querySelectorAll('button')]
        .filter((b) => b.offsetParent !== null && b.id).map((b) => b.id));
      assert.ok(ids.length > 0);
      for (const id of ids) {
        await reload();
        await click(id);
        await new Promise((r) => setTimeout(r, 300));
      }
      return ids;
    }
    const ops = (name, ...args) => cb.inExtension(async ({ name, args }) => {
      try {
        return { ok: await (await import('./vault-ops.js'))[name](...args) };
      } catch (e) {
        return { code: e.code, message: e.message };
      }
    }, { name, args });

    let recovery;
    let keyId;

    it('creating a key leaves it inactive until its recovery key is confirmed', async () => {
      assert.deepEqual(await visible(), ['step-start']);
      await click('choose-create');
      for (const weak of ['password', 'iloveyou']) {
        await page.$eval('#create-error', (e) => { e.textContent = ''; });
        await page.$eval('#pass1', (e) => { e.value = ''; });
        await page.$eval('#pass2', (e) => { e.value = ''; });
        await page.type('#pass1', weak);
        await page.type('#pass2', weak);
        await click('create');
        await page.waitForFunction(() => document.getElementById('create-error').textContent, { polling: 100 });
        assert.match(await page.$eval('#create-error', (e) => e.textContent), /^Too weak/, `${weak} was accepted`);
        assert.ok(await page.$eval('#strength-meter', (e) => e.value) < 3, 'the meter shows it weak');
      }
      assert.deepEqual(await keyIds(), [], 'no key from a weak passphrase');
      await page.$eval('#pass1', (e) => { e.value = ''; });
      await page.$eval('#pass2', (e) => { e.value = ''; });
      await page.type('#pass1', PASSPHRASE);
      await page.type('#pass2', PASSPHRASE);
      await click('create');
      await page.waitForFunction(() => !document.getElementById('step-recovery').hidden, { polling: 100, timeout: 30_000 });
      recovery = await page.$eval('#recovery', (e) => e.textContent);
      assert.match(recovery, /^CLOAKRECOVERY1-/);
      assert.equal(await page.$('#copy-recovery'), null, 'no Copy button for the recovery key');
      // The recovery kit: its QR code scans to the recovery key, which restores the same key.
      const kit = await page.$eval('#recovery-kit', (e) => e.textContent);
      assert.match(kit, /Cloak recovery kit/);
      await page.bringToFront(); // a background tab renders no frame to capture
      const shot = PNG.sync.read(Buffer.from(await (await page.$('#kit-qr')).screenshot({ type: 'png' })));
      const scanned = jsQR(new Uint8ClampedArray(shot.data.buffer, shot.data.byteOffset, shot.data.length), shot.width, shot.height);
      assert.equal(scanned?.data, recovery, 'the kit\'s QR code is the recovery key');
      const restored = await cb.inExtension(async (text) => {
        const wasm = await import('../lib/wasm/cloak.js');
        await wasm.default();
        return wasm.VaultKey.fromRecoveryKey(text).keyId();
      }, scanned.data);
      assert.match(kit, new RegExp(restored.slice(0, 8), 'i'), 'the kit names the key id the scanned key restores');
      [keyId] = await keyIds();
      assert.ok(keyId);
      assert.equal((await ops('isUnlocked')).ok, false, 'not unlocked before confirmation');
      assert.equal((await ops('unlock', PASSPHRASE)).code, 'setup_pending');
      await assert.rejects(cb.protect(site.url), /Finish setting up Cloak/);
      const popup = await cb.goToExtensionPage('popup.html');
      await popup.waitForFunction(() => !document.getElementById('setup').hidden, { polling: 100 });
      assert.match(await popup.$eval('#setup-text', (e) => e.textContent), /Finish setting up Cloak/);
      assert.equal(await popup.$eval('#open-setup', (e) => e.textContent), 'Finish setup');
    });

    it('reopening setup offers to finish it, never to create another key', async () => {
      await reload();
      assert.deepEqual(await visible(), ['step-finish']);
      const clicked = await clickEverything();
      assert.ok(!clicked.includes('choose-create'), `offered: ${clicked}`);
      assert.equal((await ops('createVault', 'another passphrase for a new key')).code, 'key_exists');
      assert.deepEqual(await keyIds(), [keyId], 'the key was not replaced');
    });

    it('the resumed setup shows the same recovery key and activates the key', async () => {
      await reload();
      await page.type('#finish-pass', 'not the passphrase');
      await click('finish-reveal');
      await page.waitForFunction(() => document.getElementById('finish-error').textContent, { polling: 100, timeout: 30_000 });
      assert.equal(await page.$eval('#finish-error', (e) => e.textContent), 'Wrong passphrase.');
      await page.$eval('#finish-pass', (e) => { e.value = ''; });
      await page.type('#finish-pass', PASSPHRASE);
      await click('finish-reveal');
      await page.waitForFunction(() => !document.getElementById('step-recovery').hidden, { polling: 100, timeout: 30_000 });
      assert.equal(await page.$eval('#recovery', (e) => e.textContent), recovery);
      await page.type('#confirm-recovery', recovery.split('-').pop().toLowerCase());
      await click('recovery-done');
      await page.waitForFunction(() => !document.getElementById('step-sites').hidden, { polling: 100 });
      assert.equal((await ops('isUnlocked')).ok, true);
      assert.equal((await ops('pendingSetup')).ok, null);
    });

    it('once set up, setup says so and no button replaces the key', async () => {
      await reload();
      assert.deepEqual(await visible(), ['step-ready'], await page.$eval('#create-error', (e) => e.textContent));
      assert.match(await page.$eval('#step-ready', (e) => e.textContent), new RegExp(keyId));
      const clicked = await clickEverything();
      assert.deepEqual(clicked.sort(), ['ready-import', 'ready-sites']);
      assert.equal((await ops('createVault', 'another passphrase for a new key')).code, 'key_exists');
      assert.deepEqual(await keyIds(), [keyId]);
      await cb.protect(site.url);
    });

    it('a passphrase set in NFD opens with its NFC form (and the reverse)', async () => {
      const nfd = 'A\u030angstro\u0308m cafe\u0301 cle\u0301 horse battery';
      const nfc = nfd.normalize('NFC');
      assert.notEqual(nfd, nfc);
      assert.equal((await ops('changePassphrase', PASSPHRASE, nfd)).code, undefined);
      await cb.lock();
      assert.equal((await ops('unlock', nfc)).code, undefined, 'the NFC form opens an NFD-set key file');
      assert.equal((await ops('changePassphrase', nfc, PASSPHRASE)).code, undefined);
      await cb.lock();
      assert.equal((await ops('unlock', PASSPHRASE)).code, undefined);
      assert.deepEqual(await keyIds(), [keyId]);
    });

    it('a key file from before prepared passphrases is rewritten once, atomically, on unlock', async () => {
      const marked = await cb.keyFile();
      assert.match(marked, /"passphrase": "nfc"/);
      const legacy = marked.replace(/,\s*"passphrase": "nfc"/, '');
      assert.doesNotMatch(legacy, /"passphrase"/);
      await cb.inExtension(async (k) => (globalThis.browser ?? globalThis.chrome).storage.local.set({ keyfile: k }), legacy);
      await cb.lock();
      assert.equal((await ops('unlock', PASSPHRASE)).code, undefined);
      const rewritten = await cb.keyFile();
      assert.match(rewritten, /"passphrase": "nfc"/);
      assert.deepEqual(await keyIds(), [keyId], 'the same key, not a new one');
      await cb.lock();
      assert.equal((await ops('unlock', PASSPHRASE)).code, undefined);
      assert.equal(await cb.keyFile(), rewritten, 'rewritten once');
    });

    it('a protected site blocks uploads while setup is unfinished, and the page gets no file', async () => {
      site.reset();
      const fx = makeFixtures(1, 30_000);
      site.watch(fx.markers);
      await cb.inExtension(async (id) => (globalThis.browser ?? globalThis.chrome).storage.local.set({ setupPending: id }), keyId);
      const app = await cb.browser.newPage();
      await app.goto(`${site.url}/app.html?mode=put`);
      const started = Date.now();
      await (await app.$('#picker')).uploadFile(fx.files[0].path);
      const blocked = await waitFor(async () => (await cb.recent()).find((r) => r.status === 'blocked' && r.at >= started), 20_000, 150);
      assert.ok(blocked, `no blocked upload recorded: ${JSON.stringify(await cb.recent())}`);
      assert.equal(blocked.code, 'setup');
      assert.match(blocked.message, /Finish setting up Cloak/);
      assert.deepEqual(await app.evaluate(() => window.seen), [], 'the page saw no file');
      assert.equal(site.stored.size, 0);
      assert.deepEqual(site.hits, []);
      await app.close();
    });
  });
}
