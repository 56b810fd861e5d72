// A hostile page on a protected site tries to get at keys, the crypto frame,
// the hook's channel, the plaintext File, or a decryption. Every attempt fails
// while uploads still arrive encrypted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser } from '../lib/cloak.mjs';
import { makeFixtures } from '../lib/fixtures.mjs';
import { StorageSite } from './site/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const browserName of BROWSERS) {
  describe(`hostile page in ${browserName}`, () => {
    let site;
    let cb;
    let page;
    let fx;

    before(async () => {
      site = await new StorageSite().start();
      cb = await CloakBrowser.start(browserName);
      await cb.createVault();
      await cb.protect(site.url);
      fx = makeFixtures(1, 20_000);
      site.watch(fx.markers);
      page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=put`);
      // The page arms its traps before the user selects a file.
      await page.evaluate(() => {
        window.caught = [];
        const grab = (where, value) => {
          const seen = [value, ...(Array.isArray(value) ? value : []), ...(value && typeof value === 'object' ? Object.values(value) : [])];
          for (const v of seen.flat()) if (v instanceof File && !v.name.endsWith('.cloak')) window.caught.push(`${where}: ${v.name}`);
        };
        window.addEventListener('message', (e) => grab('window message', e.data), true);
        const post = MessagePort.prototype.postMessage;
        MessagePort.prototype.postMessage = function (msg, ...rest) {
          grab('MessagePort.postMessage', msg);
          return post.call(this, msg, ...rest);
        };
        const wpost = window.postMessage;
        window.postMessage = function (msg, ...rest) {
          grab('window.postMessage', msg);
          return wpost.call(this, msg, ...rest);
        };
        for (const name of ['map', 'forEach', 'filter', 'every', 'some']) {
          const orig = Array.prototype[name];
          Array.prototype[name] = function (...args) {
            grab(`Array.prototype.${name}`, Array.from(this));
            return orig.apply(this, args);
          };
        }
        const len = Object.getOwnPropertyDescriptor(FileList.prototype, 'length').get;
        Object.defineProperty(FileList.prototype, 'length', {
          get() {
            for (let i = 0; i < len.call(this); i++) grab('FileList.length', this.item(i));
            return len.call(this);
          },
          configurable: true,
        });
        const desc = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'files');
        Object.defineProperty(HTMLInputElement.prototype, 'files', {
          get() {
            const list = desc.get.call(this);
            for (let i = 0; i < (list ? len.call(list) : 0); i++) grab('input.files', list.item(i));
            return list;
          },
          set(v) { desc.set.call(this, v); },
          configurable: true,
        });
        // Spoof the hook's handshake after the fact: a port of the page's own.
        const spoof = new MessageChannel();
        window.spoofed = [];
        spoof.port1.onmessage = (e) => window.spoofed.push(e.data);
        window.spoofAccepted = !window.dispatchEvent(new MessageEvent('cloak:bridge-port', { ports: [spoof.port2], cancelable: true }));
        window.dispatchEvent(new Event('cloak:hook-ready'));
      });
      await (await page.$('#picker')).uploadFile(fx.files[0].path);
      const end = Date.now() + 20000;
      while (site.stored.size < 1 && Date.now() < end) await sleep(100);
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
    });

    it('the upload still arrives, encrypted', () => {
      assert.equal(site.stored.size, 1);
      assert.match([...site.stored.keys()][0], /\.cloak$/);
      assert.deepEqual(site.hits, []);
    });

    it('never sees the plaintext File through window messages or patched prototypes', async () => {
      assert.deepEqual(await page.evaluate(() => window.caught), []);
    });

    it('cannot spoof the hook channel', async () => {
      const r = await page.evaluate(() => ({ accepted: window.spoofAccepted, got: window.spoofed.length }));
      assert.deepEqual(r, { accepted: false, got: 0 });
    });

    it('cannot reach key material or extension storage', async () => {
      const r = await page.evaluate(async () => {
        const api = globalThis.chrome ?? globalThis.browser;
        const found = [];
        if (api?.storage) found.push('storage API');
        if (api?.runtime?.sendMessage) {
          try {
            await api.runtime.sendMessage({ type: 'vault-key' });
            found.push('runtime message answered');
          } catch {
            // expected: pages cannot message the extension
          }
        }
        const text = document.documentElement.outerHTML;
        if (/[0-9a-f]{64}/.test(text)) found.push('hex key-like string in the DOM');
        return found;
      });
      assert.deepEqual(r, []);
    });

    it('cannot pair with the crypto frame, embedded or its own copy', async () => {
      const r = await page.evaluate(async () => {
        const ours = document.querySelector('iframe');
        const answers = [];
        const tryPair = (win) => {
          const ch = new MessageChannel();
          ch.port1.onmessage = (e) => answers.push(e.data);
          win.postMessage({ type: 'cloak-pair', token: 'forged' }, '*', [ch.port2]);
          win.postMessage({ type: 'encrypt', id: 1, files: [new File(['x'], 'x')], paths: [''] }, '*');
        };
        if (ours) tryPair(ours.contentWindow);
        const copy = document.createElement('iframe');
        copy.src = ours ? ours.src : 'about:blank';
        document.body.append(copy);
        await new Promise((r) => copy.addEventListener('load', r, { once: true }));
        tryPair(copy.contentWindow);
        await new Promise((r) => setTimeout(r, 1500));
        return { hadFrame: Boolean(ours), answers };
      });
      assert.ok(r.hadFrame, 'the crypto frame was embedded for the upload');
      assert.deepEqual(r.answers, []);
    });

    it('cannot get anything decrypted: the hook and frame offer no decryption', async () => {
      const sealed = [...site.stored.values()][0];
      const r = await page.evaluate(async (bytes) => {
        const answers = [];
        const file = new File([new Uint8Array(bytes)], 'x.cloak');
        const ours = document.querySelector('iframe');
        const ch = new MessageChannel();
        ch.port1.onmessage = (e) => answers.push(e.data);
        ours?.contentWindow.postMessage({ type: 'decrypt', file }, '*', [ch.port2]);
        window.postMessage({ type: 'decrypt', file }, '*');
        await new Promise((res) => setTimeout(res, 1000));
        return answers;
      }, [...sealed]);
      assert.deepEqual(r, []);
    });
  });
}
