// The vault page round-trips with the CLI in both browsers, and every bad input
// gets its specific error with nothing left staged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser, PASSPHRASE } from '../lib/cloak.mjs';
import { CLI, cliDecrypt, makeFixtures } from '../lib/fixtures.mjs';

const env = { ...process.env, CLOAK_PASSPHRASE: PASSPHRASE };

for (const browserName of BROWSERS) {
  describe(`vault page in ${browserName}`, () => {
    let cb;
    let page;
    let work;
    let keyFile;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'cloak-vault-'));
      cb = await CloakBrowser.start(browserName);
      await cb.createVault();
      keyFile = await cb.keyFile();
      writeFileSync(join(work, 'key.json'), keyFile);
      page = await cb.goToExtensionPage('vault.html');
    });
    after(async () => {
      await cb?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** Runs the vault's own processFile on `bytes` named `name`; returns the outcome. */
    const vault = (name, bytes) => page.evaluate(async (n, b64) => {
      const { processFile } = await import('./vault.js');
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      try {
        const r = await processFile(new File([bin], n));
        const out = new Uint8Array(await r.file.arrayBuffer());
        let s = '';
        for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
        return { op: r.op, name: r.name, b64: btoa(s) };
      } catch (e) {
        return { code: e.code, message: e.message };
      }
    }, name, Buffer.from(bytes).toString('base64'));

    it('decrypts a file made by the cloak CLI, under its original name', async () => {
      const fx = makeFixtures(1, 100_000);
      execFileSync(CLI, ['encrypt', '--key', join(work, 'key.json'), '-o', join(work, 'cli.cloak'), fx.files[0].path], { env });
      const r = await vault('whatever.cloak', readFileSync(join(work, 'cli.cloak')));
      assert.equal(r.op, 'decrypted', JSON.stringify(r));
      assert.equal(r.name, fx.files[0].name);
      assert.ok(Buffer.from(r.b64, 'base64').equals(fx.files[0].body));
    });

    it('encrypts a file that the cloak CLI decrypts', async () => {
      const fx = makeFixtures(1, 50_000);
      const r = await vault(fx.files[0].name, fx.files[0].body);
      assert.equal(r.op, 'encrypted');
      assert.equal(r.name, `${fx.files[0].name}.cloak`);
      const back = cliDecrypt(keyFile, Buffer.from(r.b64, 'base64'));
      assert.equal(back.name, fx.files[0].name);
      assert.ok(back.body.equals(fx.files[0].body));
    });

    it('gives the specific error for each bad input and keeps nothing staged', async () => {
      const fx = makeFixtures(1, 40_000);
      const good = Buffer.from((await vault(fx.files[0].name, fx.files[0].body)).b64, 'base64');
      const tampered = Buffer.from(good);
      tampered[tampered.length - 100] ^= 1;
      execFileSync(CLI, ['key', 'new', '--out', join(work, 'other.key')], { env, stdio: 'ignore' });
      execFileSync(CLI, ['encrypt', '--key', join(work, 'other.key'), '-o', join(work, 'other.cloak'), fx.files[0].path], { env });
      const staged = () => page.evaluate(async () => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('vault', { create: true });
        let n = 0;
        for await (const entry of dir.keys()) n += entry ? 1 : 0;
        return n;
      });
      const before = await staged();
      const cases = [
        ['tampered.cloak', tampered, 'payload_tampered'],
        ['truncated.cloak', good.subarray(0, good.length - 10), 'truncated'],
        ['other.cloak', readFileSync(join(work, 'other.cloak')), 'wrong_key'],
        ['fake.cloak', Buffer.from('this is not a cloak file at all'), 'not_cloak'],
      ];
      for (const [name, bytes, code] of cases) {
        const r = await vault(name, bytes);
        assert.equal(r.code, code, `${name}: ${JSON.stringify(r)}`);
        assert.ok(r.message.length > 10);
      }
      const wrongKey = await vault('other.cloak', readFileSync(join(work, 'other.cloak')));
      assert.match(wrongKey.message, /import that key/);
      assert.equal(await staged(), before, 'failed outputs are not kept');
    });
  });
}
