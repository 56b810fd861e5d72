// Key rotation and deletion: a new default key only after its recovery key is
// confirmed, older files still open (in the vault page and with the exported
// key file in the CLI), and a key is deleted only after its id is typed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser } from '../lib/cloak.mjs';
import { CLI, cliDecrypt, makeFixtures } from '../lib/fixtures.mjs';
import { waitFor } from '../lib/wait.mjs';
import { StorageSite } from './site/server.mjs';

for (const browserName of BROWSERS) {
  describe(`key rotation in ${browserName}`, () => {
    let site;
    let cb;
    let work;
    const uploaded = {};
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'cloak-keys-'));
      site = await new StorageSite().start();
      cb = await CloakBrowser.start(browserName);
      await cb.createVault();
      await cb.protect(site.url);
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    const keys = () => cb.inExtension(async () => (await import('./vault-ops.js')).describeKeys());
    const click = (page, id) => page.evaluate((i) => document.getElementById(i).click(), id);

    /** Uploads one fixture through the test site; returns {fx, bytes}. */
    async function upload(label) {
      site.reset();
      const fx = makeFixtures(1, 20_000);
      site.watch(fx.markers);
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=put`);
      await (await page.$('#picker')).uploadFile(fx.files[0].path);
      assert.ok(await waitFor(() => site.stored.size === 1, 20_000), `${label}: uploaded`);
      assert.deepEqual(site.hits, []);
      await page.close();
      uploaded[label] = { fx, bytes: site.stored.get(`${fx.files[0].name}.cloak`) };
      return uploaded[label];
    }
    const fileKeyIds = (bytes) => {
      writeFileSync(join(work, 'x.cloak'), bytes);
      return JSON.parse(execFileSync(CLI, ['inspect', '--json', join(work, 'x.cloak')])).vault_key_ids;
    };

    it('an install that never saved its recovery key is reminded until it shows it, behind the passphrase', async () => {
      const ext = (f, arg) => cb.inExtension(f, arg);
      await ext(async () => (globalThis.browser ?? globalThis.chrome).storage.local.remove('recoveryShownAt'));
      let popup = await cb.goToExtensionPage('popup.html');
      await popup.waitForFunction(() => !document.getElementById('main').hidden, { polling: 100 });
      assert.equal(await popup.$eval('#kit-reminder', (e) => e.hidden), false, 'the popup reminds');
      const page = await cb.goToExtensionPage('options.html');
      await page.type('#reveal-pass', 'not it');
      await page.evaluate(() => document.getElementById('reveal').requestSubmit());
      await page.waitForFunction(() => document.getElementById('reveal-error').textContent, { polling: 100, timeout: 30_000 });
      assert.equal(await page.$eval('#revealed', (e) => e.hidden), true, 'nothing shown for a wrong passphrase');
      await page.$eval('#reveal-pass', (e) => { e.value = ''; });
      await page.type('#reveal-pass', 'correct horse battery staple');
      await page.evaluate(() => document.getElementById('reveal').requestSubmit());
      await page.waitForFunction(() => !document.getElementById('revealed').hidden, { polling: 100, timeout: 30_000 });
      const shown = await page.$eval('#revealed-key', (e) => e.textContent);
      const id = await ext(async (text) => {
        const wasm = await import('../lib/wasm/cloak.js');
        await wasm.default();
        return wasm.VaultKey.fromRecoveryKey(text).keyId();
      }, shown);
      assert.equal(id, (await keys())[0].keyId, 'the shown recovery key restores the key');
      popup = await cb.goToExtensionPage('popup.html');
      await popup.waitForFunction(() => !document.getElementById('main').hidden, { polling: 100 });
      assert.equal(await popup.$eval('#kit-reminder', (e) => e.hidden), true, 'no reminder once shown');
    });

    it('a new default key needs its recovery key confirmed; older files still open', async () => {
      await upload('before');
      const [old] = await keys();
      const page = await cb.goToExtensionPage('options.html');
      await page.waitForFunction(() => document.getElementById('keys').children.length > 0, { polling: 100 });
      await page.type('#rotate-pass', 'correct horse battery staple');
      await click(page, 'rotate-start');
      await page.waitForFunction(() => !document.getElementById('rotate-confirm-step').hidden, { polling: 100, timeout: 30_000 });
      assert.equal((await keys()).length, 1, 'nothing changes before the recovery key is confirmed');
      const recovery = await page.$eval('#rotate-recovery', (e) => e.textContent);
      await page.type('#rotate-confirm', 'WRONG');
      await click(page, 'rotate-done');
      assert.match(await page.$eval('#rotate-error', (e) => e.textContent), /does not match/);
      assert.equal((await keys()).length, 1);
      await page.$eval('#rotate-confirm', (e) => { e.value = ''; });
      await page.type('#rotate-confirm', recovery.split('-').pop());
      await click(page, 'rotate-done');
      await page.waitForFunction(() => document.getElementById('rotate-status').textContent, { polling: 100, timeout: 30_000 });
      const after = await keys();
      assert.equal(after.length, 2);
      const fresh = after.find((k) => k.default);
      assert.ok(fresh && fresh.keyId !== old.keyId, 'the new key is the default');
      assert.ok(after.some((k) => k.keyId === old.keyId && !k.default), 'the old key is kept');

      const next = await upload('after');
      const ids = fileKeyIds(next.bytes).map((s) => s.toLowerCase());
      assert.ok(ids.some((id) => fresh.keyId.toLowerCase().startsWith(id) || id.startsWith(fresh.keyId.toLowerCase())), `new uploads use the new key: ${ids}`);
      assert.ok(!ids.some((id) => old.keyId.toLowerCase().startsWith(id) || id.startsWith(old.keyId.toLowerCase())), 'and not the old one');

      const keyFile = await cb.keyFile();
      for (const label of ['before', 'after']) {
        const { fx, bytes } = uploaded[label];
        const back = cliDecrypt(keyFile, bytes);
        assert.ok(back.body.equals(fx.files[0].body), `${label}: the exported key file opens it in the CLI`);
      }
      const vault = await cb.goToExtensionPage('vault.html');
      const opened = await vault.evaluate(async (b64) => {
        const { processFile } = await import('./vault.js');
        const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const r = await processFile(new File([bin], 'old.cloak'));
        return { op: r.op, size: r.file.size };
      }, Buffer.from(uploaded.before.bytes).toString('base64'));
      assert.deepEqual(opened, { op: 'decrypted', size: uploaded.before.fx.files[0].body.length }, 'the vault opens a file from before the rotation');
    });

    it('deleting a key needs its id typed', async () => {
      const [first, second] = await keys();
      const old = first.default ? second : first;
      const short = old.keyId.slice(0, 8).toUpperCase();
      const page = await cb.goToExtensionPage('options.html');
      await page.waitForFunction((id) => document.getElementById(`delete-${id}`), { polling: 100 }, old.keyId);
      await page.type(`#delete-${old.keyId}`, 'yes');
      await page.evaluate((id) => document.getElementById(`delete-${id}`).form.requestSubmit(), old.keyId);
      await page.waitForFunction((id) => document.getElementById(`delete-${id}`).form.querySelector('.error').textContent, { polling: 100 }, old.keyId);
      assert.equal((await keys()).length, 2, 'not deleted without the typed id');
      await page.$eval(`#delete-${old.keyId}`, (e) => { e.value = ''; });
      await page.type(`#delete-${old.keyId}`, short.toLowerCase());
      await page.evaluate((id) => document.getElementById(`delete-${id}`).form.requestSubmit(), old.keyId);
      await waitFor(async () => (await keys()).length === 1, 10_000);
      const left = await keys();
      assert.deepEqual(left.map((k) => k.keyId), [first.default ? first.keyId : second.keyId], 'only the typed key went');
      assert.equal(await page.$(`[id^="delete-"]`), null, 'the last key offers no delete');
    });
  });
}
