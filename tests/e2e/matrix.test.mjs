// The adversarial matrix: every frame kind × every channel a user hands a page
// files through, once on an ordinary page and once with generated tripwires
// over every intrinsic and DOM interface a page could patch after Cloak's hook
// ran (tests/lib/tripwire.mjs). A leak is a File or Blob the page, or any
// tripwire, could reach that holds a plaintext content marker, or a marker
// the server received. Opaque-origin frames may block instead (no file);
// every other cell must hand the page the .cloak files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser } from '../lib/cloak.mjs';
import { makeFixtures } from '../lib/fixtures.mjs';
import { trustedFileEvent } from '../lib/firefox-user.mjs';
import { PAGE_LIB } from '../lib/tripwire.mjs';
import { waitFor } from '../lib/wait.mjs';
import { StorageSite } from './site/server.mjs';

const FRAMES = ['top', 'iframe', 'srcdoc', 'about-blank', 'blob', 'data', 'sandboxed', 'sandboxed-no-scripts',
  'popup', 'popup-blank', 'document-open'];
const CHANNELS = ['input', 'detached', 'shadow-closed', 'drop', 'paste'];
// Frames with an opaque origin cannot pair with Cloak's encryption frame: the
// page there may get no file, never the plaintext. In Firefox, Cloak's scripts
// run in a sandboxed frame without allow-scripts, but its encryption frame
// inherits the sandbox and cannot run: that frame gets no file either.
const mayBlock = (browserName, frame) => frame === 'data' || frame === 'sandboxed'
  || (browserName === 'firefox' && frame === 'sandboxed-no-scripts');
const TOP_LEVEL = new Set(['top', 'popup', 'popup-blank', 'document-open']);

/** Why no driver can make this cell's user action, or null. */
function cannotDrive(browserName, frame, channel) {
  if (browserName === 'chromium' && channel === 'paste') return 'no CDP command makes a trusted paste of files';
  if (browserName === 'firefox') {
    if (channel === 'detached' && !TOP_LEVEL.has(frame)) {
      return "puppeteer's WebDriver BiDi file chooser hears only top-level documents (checked without Cloak)";
    }
    if ((channel === 'drop' || channel === 'paste') && (frame === 'data' || frame === 'sandboxed')) {
      return 'the chrome-scope driver of trusted events cannot reach an opaque-origin frame (another process)';
    }
  }
  return null;
}

for (const browserName of BROWSERS) {
  describe(`adversarial matrix in ${browserName}`, () => {
    let site;
    let cb;
    const cells = [];
    const skipped = [];
    before(async () => {
      site = await new StorageSite().start();
      cb = await CloakBrowser.start(browserName, { systemAccess: browserName === 'firefox' });
      await cb.createVault();
      await cb.protect(site.url);
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
    });

    /** Opens the cell's frame; returns { page, frame (the realm with the page code), inChild (no-scripts frame) }. */
    async function openFrame(page, kind) {
      if (kind === 'top') return { page, frame: page.mainFrame() };
      if (kind === 'document-open') {
        await page.evaluate(() => {
          document.open();
          document.write('<!doctype html><meta charset="utf-8"><body><p>rewritten by document.open()</p></body>');
          document.close();
        });
        return { page, frame: page.mainFrame() };
      }
      if (kind === 'popup' || kind === 'popup-blank') {
        const [popup] = await Promise.all([
          new Promise((resolve) => page.once('popup', resolve)),
          page.evaluate((k) => { window.__popup = window.open(k === 'popup' ? '/matrix.html?popup' : ''); }, kind),
        ]);
        if (kind === 'popup') await popup.waitForFunction(() => document.readyState === 'complete');
        return { page: popup, frame: popup.mainFrame(), popup };
      }
      await page.evaluate((k) => new Promise((resolve) => {
        const frame = document.createElement('iframe');
        frame.id = 'cell-frame';
        frame.style.cssText = 'width:600px;height:300px';
        const html = `<!doctype html><meta charset="utf-8"><body><p>${k} frame</p></body>`;
        if (k === 'iframe') frame.src = '/matrix.html?frame';
        if (k === 'srcdoc') frame.srcdoc = html;
        if (k === 'blob') frame.src = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
        if (k === 'data') frame.src = `data:text/html,${encodeURIComponent(html)}`;
        if (k === 'sandboxed') {
          frame.sandbox = 'allow-scripts';
          frame.srcdoc = html;
        }
        if (k === 'sandboxed-no-scripts') {
          frame.sandbox = 'allow-same-origin';
          frame.srcdoc = html;
        }
        if (k === 'about-blank') {
          document.body.append(frame);
          resolve();
          return;
        }
        frame.addEventListener('load', () => resolve(), { once: true });
        document.body.append(frame);
      }), kind);
      const frame = await waitFor(() => page.frames().find((f) => f !== page.mainFrame()), 5000);
      assert.ok(frame, `no ${kind} frame among ${page.frames().map((f) => f.url())}`);
      if (kind === 'sandboxed-no-scripts') return { page, frame: page.mainFrame(), child: frame, inChild: true };
      return { page, frame };
    }

    /** A handle to the cell's target element, from the element's own frame (WebDriver BiDi needs that). */
    async function target(cell, channel) {
      if (channel === 'input' || channel === 'drop') {
        const sel = channel === 'input' ? '#cell-input' : '#cell-drop';
        const handle = cell.inChild ? await cell.child.$(sel) : await cell.frame.$(sel);
        assert.ok(handle, `no ${sel}`);
        return handle;
      }
      return (cell.inChild ? cell.child : cell.frame).evaluateHandle(() => window.__cellTarget);
    }

    async function drive(cell, channel, paths) {
      if (channel === 'detached') {
        const [chooser] = await Promise.all([
          cell.page.waitForFileChooser({ timeout: 5000 }),
          cell.frame.evaluate(() => window.__cellTarget.click()),
        ]);
        await chooser.accept(paths);
        return;
      }
      if (cell.browserName === 'firefox' && (channel === 'drop' || channel === 'paste')) {
        const sel = channel === 'drop' ? '#cell-drop' : '#cell-paste';
        await trustedFileEvent(cb.browser, cell.page, channel, sel, paths, { frame: cell.frame === cell.page.mainFrame() && !cell.inChild ? null : '#cell-frame' });
        return;
      }
      const handle = await target(cell, channel);
      if (channel === 'drop') {
        const box = await handle.boundingBox();
        const cdp = await cell.page.createCDPSession();
        const data = { items: [], files: paths, dragOperationsMask: 1 };
        const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
        for (const type of ['dragEnter', 'dragOver', 'drop']) await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
        await cdp.detach();
        return;
      }
      await handle.uploadFile(...paths);
    }

    for (const frameKind of FRAMES) {
      for (const channel of CHANNELS) {
        for (const patched of [false, true]) {
          const name = `${frameKind} × ${channel}${patched ? ' × tripwires' : ''}`;
          const reason = cannotDrive(browserName, frameKind, channel);
          if (reason) {
            skipped.push(`${name}: ${reason}`);
            continue;
          }
          it(name, async () => {
            site.reset();
            const fx = makeFixtures(2, 5000);
            site.watch(fx.markers);
            const page = await cb.browser.newPage();
            await page.goto(`${site.url}/matrix.html`);
            const cell = { ...(await openFrame(page, frameKind)), browserName };
            const realms = [...new Set([page.mainFrame(), cell.frame])];
            for (const realm of realms) await realm.evaluate(PAGE_LIB);
            let tripwires = 0;
            if (patched) {
              for (const realm of realms) tripwires += await realm.evaluate(() => window.__cell.install());
              if (cell.inChild) tripwires += await page.evaluate(() => window.__cell.install(document.getElementById('cell-frame').contentWindow));
            }
            if (cell.inChild) await page.evaluate((ch) => window.__cell.probe(document.getElementById('cell-frame').contentDocument, ch), channel);
            else await cell.frame.evaluate((ch) => window.__cell.probe(document, ch), channel);
            await drive(cell, channel, fx.files.map((f) => f.path));
            const names = () => cell.frame.evaluate(() => window.__cell.collect([]).then((r) => r.names));
            const arrived = await waitFor(async () => (await names()).length >= fx.files.length, mayBlock(browserName, frameKind) ? 2500 : 8000);
            const seen = [];
            for (const realm of realms) seen.push(await realm.evaluate((m) => window.__cell.collect(m), fx.markers));
            const got = seen.flatMap((s) => s.names);
            const leaks = seen.flatMap((s) => s.leaks);
            const outcome = arrived ? 'ciphertext' : got.length ? 'partial' : 'no file';
            cells.push({ name, outcome, leaks, tripwires });
            await cell.popup?.close();
            await page.close();
            assert.deepEqual(leaks, [], `plaintext reached the page: ${leaks}`);
            assert.deepEqual(site.hits, [], 'the server received plaintext');
            for (const n of got) assert.match(n, /\.cloak$/, `the page got ${n}`);
            if (!mayBlock(browserName, frameKind)) assert.equal(outcome, 'ciphertext', `the page got ${JSON.stringify(got)}`);
            else assert.notEqual(outcome, 'partial', `the page got ${JSON.stringify(got)}`);
          });
        }
      }
    }

    it('reports the cells, the cells no driver can make, and the leaks', () => {
      const leaks = cells.flatMap((c) => c.leaks.map((l) => `${c.name}: ${l}`));
      const blocked = cells.filter((c) => c.outcome === 'no file').map((c) => c.name);
      const wires = Math.max(0, ...cells.map((c) => c.tripwires));
      console.log(`# ${browserName}: ${cells.length} cells driven (${wires} tripwires per patched cell), `
        + `${blocked.length} blocked with no file (${blocked.join(', ') || 'none'}), ${leaks.length} leaks`);
      for (const s of skipped) console.log(`# ${browserName}: not driven: ${s}`);
      assert.deepEqual(leaks, []);
      assert.ok(cells.length >= FRAMES.length * 2, `only ${cells.length} cells ran`);
    });
  });
}
