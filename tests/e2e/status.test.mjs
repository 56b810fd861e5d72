// What the popup shows for a tab: protected only when the tab's page hook
// answered a nonce over its private port just now; "reload required" for a
// tab opened before its site was protected, until it is reloaded; "no access"
// when the browser withdrew Cloak's host access. Never a claim of protection
// that is false, and never plaintext sent meanwhile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser } from '../lib/cloak.mjs';
import { makeFixtures } from '../lib/fixtures.mjs';
import { StorageSite } from './site/server.mjs';

for (const browserName of BROWSERS) {
  describe(`tab status in ${browserName}`, () => {
    let site;
    let cb;
    before(async () => {
      site = await new StorageSite().start();
      cb = await CloakBrowser.start(browserName);
      await cb.createVault();
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
    });

    const status = (token) => cb.inExtension(async (t) => {
      const ext = globalThis.browser ?? globalThis.chrome;
      const tab = (await ext.tabs.query({})).find((x) => x.url?.includes(t));
      const { MSG, send } = await import('../lib/messages.js');
      return (await send(ext, MSG.TAB_STATUS, { tabId: tab.id })).result;
    }, token);

    it('reports unprotected, then reload required, then protected after a reload', async () => {
      const token = `status-${Date.now()}`;
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=put&tab=${token}`);
      let s = await status(token);
      assert.equal(s.protected, false);
      assert.equal(s.origin, site.url);
      await cb.protect(site.url);
      s = await status(token);
      assert.deepEqual([s.protected, s.reloadRequired], [true, true], 'opened before protection');
      await page.reload();
      await new Promise((r) => setTimeout(r, 500));
      s = await status(token);
      assert.deepEqual([s.protected, s.reloadRequired], [true, false], 'protected after reload');
      await page.close();
    });

    it('protecting and unprotecting another site does not ask hooked tabs to reload', async () => {
      const token = `other-${Date.now()}`;
      await cb.protect(site.url);
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=put&tab=${token}`);
      assert.equal((await status(token)).reloadRequired, false);
      const other = site.url.replace('127.0.0.1', 'localhost');
      await cb.protect(other);
      let s = await status(token);
      assert.deepEqual([s.protected, s.reloadRequired], [true, false], 'after another site was protected');
      await cb.unprotect(other);
      s = await status(token);
      assert.deepEqual([s.protected, s.reloadRequired], [true, false], 'after another site was unprotected');
      // A tab of the other site, still open from before, is not claimed as protected.
      const late = `late-${Date.now()}`;
      const otherPage = await cb.browser.newPage();
      await otherPage.goto(`${other}/app.html?mode=put&tab=${late}`);
      await cb.protect(other);
      s = await status(late);
      assert.deepEqual([s.protected, s.reloadRequired], [true, true], 'a tab of the other site opened before it was protected');
      await cb.unprotect(other);
      await otherPage.close();
      await page.close();
    });

    it('withdrawn host access: not protected, and the scripts stop covering the site', { todo: browserName === 'chromium' && "the Chromium test copy's host access is granted at install and cannot be withdrawn by a script; headless has no site-access menu" }, async () => {
      const token = `withdrawn-${Date.now()}`;
      await cb.protect(site.url);
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=put&tab=${token}`);
      assert.equal((await status(token)).reloadRequired, false);
      const removed = await cb.inExtension(async (origin) => {
        const ext = globalThis.browser ?? globalThis.chrome;
        return ext.permissions.remove({ origins: [`${new URL(origin).protocol}//${new URL(origin).hostname}/*`] });
      }, site.url);
      assert.equal(removed, true);
      const s = await status(token);
      assert.deepEqual([s.protected, s.hostAccess], [true, false]);
      const covered = await cb.inExtension(async () => {
        const ext = globalThis.browser ?? globalThis.chrome;
        for (let i = 0; i < 50; i++) {
          const scripts = await ext.scripting.getRegisteredContentScripts();
          if (!scripts.some((x) => x.matches?.length)) return [];
          await new Promise((r) => setTimeout(r, 100));
        }
        return (await ext.scripting.getRegisteredContentScripts()).flatMap((x) => x.matches);
      });
      assert.deepEqual(covered, [], 'no content script still registered for the withdrawn site');
      await page.close();
      await cb.protect(site.url); // grants access again for the tests after this one
    });

    it('an extension reload with open tabs: those tabs need a reload, and send no plaintext meanwhile', {
      todo: browserName === 'firefox' ? 'a reloaded temporary add-on opens no extension page WebDriver BiDi could evaluate in'
        : 'headless Chromium blocks every page of a reloaded --load-extension copy (ERR_BLOCKED_BY_CLIENT)',
    }, async () => {
      const token = `ext-reload-${Date.now()}`;
      await cb.protect(site.url);
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=put&tab=${token}`);
      assert.equal((await status(token)).reloadRequired, false);
      const ext = await cb.extensionPage();
      await ext.evaluate(() => setTimeout(() => (globalThis.browser ?? globalThis.chrome).runtime.reload(), 100));
      let opened = false;
      for (let i = 0; i < 30 && !opened; i++) {
        await new Promise((r) => setTimeout(r, 300));
        cb.extPage = null;
        opened = await cb.extensionPage().then(() => true, () => false);
      }
      assert.ok(opened, 'the reloaded extension opened no page');
      let s = await status(token);
      assert.deepEqual([s.protected, s.reloadRequired], [true, true], 'the tab runs scripts of the instance before the reload');
      site.reset();
      const fx = makeFixtures(1, 5000);
      site.watch(fx.markers);
      await (await page.$('#picker')).uploadFile(fx.files[0].path);
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual(site.hits, [], 'plaintext reached the server');
      assert.equal(site.stored.size, 0, `the server stored ${[...site.stored.keys()]}`);
      await page.reload();
      await new Promise((r) => setTimeout(r, 500));
      s = await status(token);
      assert.deepEqual([s.protected, s.reloadRequired], [true, false], 'protected after the tab reloaded');
      await page.close();
    });
  });
}
