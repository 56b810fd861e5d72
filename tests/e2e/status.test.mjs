// What the popup shows for a tab: protected or not, and "reload required" for a
// tab opened before its site was protected, until it is reloaded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser } from '../lib/cloak.mjs';
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
      const { MSG, send } = await import('../shared/messages.js');
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
    });
  });
}
