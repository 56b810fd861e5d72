// End to end, in headless Chromium and Firefox with the built extension: every
// upload technique of the test storage site must deliver only .cloak files that
// the `cloak` CLI decrypts to the exact original, name included, and the server
// must never receive a plaintext marker.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser } from '../lib/cloak.mjs';
import { cliDecrypt, makeFixtures } from '../lib/fixtures.mjs';
import { crashWorker, hostsSettled } from '../lib/crash.mjs';
import { pickFolder as pickFirefoxFolder, trustedFileEvent } from '../lib/firefox-user.mjs';
import { waitFor as poll } from '../lib/wait.mjs';
import { StorageSite } from './site/server.mjs';

const waitFor = (cond, ms = 20_000) => poll(cond, ms, 100);

for (const browserName of BROWSERS) {
  describe(`uploads in ${browserName}`, () => {
    let site;
    let cb;
    let keyFile;
    const pages = [];

    before(async () => {
      site = await new StorageSite().start();
      cb = await CloakBrowser.start(browserName, { systemAccess: browserName === 'firefox' });
      await cb.createVault();
      await cb.protect(site.url);
      keyFile = await cb.keyFile();
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
    });

    async function openApp(mode, { beforeLoad } = {}) {
      const page = await cb.browser.newPage();
      pages.push(page);
      if (beforeLoad) await page.evaluateOnNewDocument(beforeLoad);
      await page.goto(`${site.url}/app.html?mode=${mode}`);
      return page;
    }

    /** The server holds exactly the fixtures, encrypted; nothing leaked. */
    async function expectEncrypted(page, fx, { stored = fx.files.length, timeout = 20000 } = {}) {
      const done = await waitFor(async () => site.stored.size >= stored
        && (await page.evaluate(() => window.uploaded + window.failed.length)) >= stored, timeout);
      const state = await page.evaluate(() => ({ seen: window.seen, failed: window.failed, uploaded: window.uploaded }));
      if (!done) {
        // Counts and the first few names: a 1,000-file listing would bury the cause.
        const storedNames = [...site.stored.keys()];
        const missing = fx.files.map((f) => f.name).filter((n) => !storedNames.some((k) => k.endsWith(`${n}.cloak`)));
        const events = state.seen.map((x) => `${x.event}${x.files ? `(${x.files.length})` : ''}`);
        assert.fail(`uploads did not finish within ${timeout} ms: ${JSON.stringify({
          stored: storedNames.length, uploaded: state.uploaded, failed: state.failed.slice(0, 5), missing: [missing.length, ...missing.slice(0, 5)], events: events.slice(0, 20),
        })}`);
      }
      assert.deepEqual(state.failed, []);
      assert.deepEqual(site.hits, [], 'the server received plaintext');
      // Every file is checked to be .cloak; large batches decrypt every 50th with
      // the CLI (each run pays one Argon2id unlock).
      let i = 0;
      for (const [name, bytes] of site.stored) {
        assert.match(name, /\.cloak$/);
        if (fx.files.length > 20 && i++ % 50) continue;
        const { name: original, body } = cliDecrypt(keyFile, bytes);
        const fixture = fx.files.find((f) => f.name === original);
        assert.ok(fixture, `decrypted to an unknown name ${original}`);
        assert.ok(body.equals(fixture.body), `${original} differs after decryption`);
      }
      for (const s of state.seen.filter((x) => x.files)) {
        for (const f of s.files) assert.match(f.name, /\.cloak$/, `the page saw ${f.name} in ${s.event}`);
      }
      return state;
    }

    /**
     * The server holds exactly `fx`'s files, each as `<name>.cloak`, saw no
     * plaintext, and every file decrypts with the CLI to its original name and
     * bytes. For upload libraries that report through their own events.
     */
    function expectStoredAsCloak(fx) {
      assert.deepEqual(site.hits, [], 'the server received plaintext');
      assert.deepEqual([...site.stored.keys()].sort(), fx.files.map((f) => `${f.name}.cloak`).sort());
      for (const [name, bytes] of site.stored) {
        const back = cliDecrypt(keyFile, bytes);
        assert.equal(`${back.name}.cloak`, name);
        assert.ok(back.body.equals(fx.files.find((f) => f.name === back.name).body));
      }
    }

    function fresh(count = 1, size = 40_000, opts = {}) {
      site.reset();
      const fx = makeFixtures(count, size, opts);
      site.watch(fx.markers);
      return fx;
    }

    for (const mode of ['fetch', 'xhr', 'put', 'chunked']) {
      it(`file input, ${mode} upload`, async () => {
        const fx = fresh(2, 70_000);
        const page = await openApp(mode);
        await (await page.$('#picker')).uploadFile(...fx.files.map((f) => f.path));
        const { seen } = await expectEncrypted(page, fx);
        const events = seen.filter((s) => s.files).map((s) => s.event);
        assert.deepEqual(events, ['input', 'change'], 'one input and one change, in order');
        const [first] = seen.find((s) => s.event === 'change').files;
        assert.equal(first.type, 'application/octet-stream');
        if (mode === 'xhr') assert.ok(seen.some((s) => s.event === 'progress'), 'XHR progress events fired');
      });
    }

    it('a file input inside an iframe of the site is protected too', async () => {
      const fx = fresh(1);
      const page = await openApp('put');
      await page.evaluate(() => {
        const f = document.createElement('iframe');
        f.src = '/app.html?mode=put';
        f.id = 'inner';
        document.body.append(f);
        return new Promise((r) => f.addEventListener('load', r, { once: true }));
      });
      const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().includes('mode=put'));
      await (await frame.$('#picker')).uploadFile(fx.files[0].path);
      await expectEncrypted(frame, fx);
    });

    /** Picks a 400 MiB file on a PUT page; returns the page and Cloak's frame once its progress panel shows. */
    async function startLargeUpload() {
      const fx = fresh(1, 400 << 20);
      const page = await openApp('put');
      await (await page.$('#picker')).uploadFile(fx.files[0].path);
      let frame = null;
      for (let i = 0; i < 100 && !frame; i++) {
        for (const f of page.frames()) {
          if (await f.evaluate(() => Boolean(document.getElementById('cancel')) && !document.getElementById('panel').hidden).catch(() => false)) frame = f;
        }
        if (!frame) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(frame, 'the progress panel appeared');
      return { page, frame };
    }

    it('cancel in the progress panel blocks the upload: the page gets no file', async () => {
      const { page, frame } = await startLargeUpload();
      await frame.evaluate(() => document.getElementById('cancel').click());
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(site.stored.size, 0, 'nothing was uploaded');
      assert.deepEqual(await page.evaluate(() => window.seen), [], 'the page saw no file');
      assert.match(await frame.evaluate(() => document.getElementById('detail').textContent), /cancelled/);
    });

    it('a crash of the encryption worker mid-file blocks the upload: the page gets no file and the panel says why', async () => {
      // Earlier tests' pages each keep a crypto frame and worker: close them,
      // so that the one worker running is this upload's.
      for (const p of pages.splice(0)) await p.close().catch(() => {});
      await hostsSettled(cb, '/crypto/frame.html', 0);
      const { page, frame } = await startLargeUpload();
      await crashWorker(cb, { host: '/crypto/frame.html', worker: '/crypto/worker.js' });
      assert.ok(await waitFor(() => frame.evaluate(() => /crashed/.test(document.getElementById('detail').textContent))),
        `the panel names the crash: ${await frame.evaluate(() => document.getElementById('detail').textContent)}`);
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(site.stored.size, 0, 'nothing was uploaded');
      assert.deepEqual(await page.evaluate(() => window.seen), [], 'the page saw no file');
    });

    it('classic <form> multipart POST', async () => {
      const fx = fresh(1);
      const page = await openApp('form');
      await (await page.$('#form-file')).uploadFile(fx.files[0].path);
      await waitFor(() => page.evaluate(() => window.seen.some((s) => s.event === 'change')));
      await page.evaluate(() => document.getElementById('form').requestSubmit());
      assert.ok(await waitFor(() => site.stored.size === 1), 'the form post arrived');
      assert.deepEqual(site.hits, []);
      const [[name, bytes]] = [...site.stored];
      assert.equal(name, `${fx.files[0].name}.cloak`);
      assert.ok(cliDecrypt(keyFile, bytes).body.equals(fx.files[0].body));
    });

    /** A trusted drop of the files or folders at `paths` on `selector`'s centre. */
    async function dropOn(page, selector, paths) {
      if (browserName === 'firefox') return trustedFileEvent(cb.browser, page, 'drop', selector, paths);
      const box = await (await page.$(selector)).boundingBox();
      const cdp = await page.createCDPSession();
      const data = { items: [], files: paths, dragOperationsMask: 1 };
      const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      for (const type of ['dragEnter', 'dragOver', 'drop']) await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
      return undefined;
    }

    /** Moves the fixtures from index `from` on into `fx.dir`/sub. */
    function nest(fx, from) {
      mkdirSync(join(fx.dir, 'sub'));
      for (const f of fx.files.slice(from)) {
        renameSync(f.path, join(fx.dir, 'sub', f.name));
        f.path = join(fx.dir, 'sub', f.name);
      }
    }

    it(`drop zone (trusted: ${browserName === 'chromium' ? 'CDP drag' : 'a privileged drag of disk files'})`, async () => {
      const fx = fresh(2);
      const page = await openApp('drop');
      await dropOn(page, '#drop', fx.files.map((f) => f.path));
      const { seen } = await expectEncrypted(page, fx);
      assert.equal(seen.filter((s) => s.event === 'drop').length, 1, 'the page saw one drop');
    });

    // Firefox hides DataTransfer data set by privileged code from the page, and
    // a privileged script gets no File for a folder: nothing can put a folder
    // into a trusted drop there. Also tried: a test drag session in the page's
    // content process carrying the folder as an nsIFile reaches the page, but
    // the content sandbox denies the folder's stat (NS_ERROR_FILE_ACCESS_DENIED),
    // so the page gets a file entry, not a directory; headless Firefox's parent
    // process, where a real drop's folder is resolved, has no drag service.
    const folderDropTodo = browserName === 'firefox' && 'Firefox: no driver can drop a folder';
    for (const what of ['files', 'folder']) {
      it(`drop of ${what === 'files' ? 'two files' : 'a folder'} (trusted): a page walking webkitGetAsEntry() gets the encrypted ${what === 'files' ? 'files' : 'tree'}`,
        { todo: what === 'folder' && folderDropTodo }, async () => {
          const fx = fresh(what === 'files' ? 2 : 4, 5000);
          const folder = fx.dir.split('/').pop();
          let dropped = fx.files.map((f) => f.path);
          let expected = fx.files.map((f) => ({ path: `${f.name}.cloak`, entry: { name: `${f.name}.cloak`, isDirectory: false, fullPath: `/${f.name}.cloak` } }));
          if (what === 'folder') {
            nest(fx, 2); // fx.dir holds report-0 and report-1; fx.dir/sub report-2 and report-3
            dropped = [fx.dir];
            const paths = ['report-0', 'report-1', 'sub/report-2', 'sub/report-3'].map((p) => `${folder}/${p}.txt.cloak`);
            expected = paths.map((path) => ({ path, entry: { name: folder, isDirectory: true, fullPath: `/${folder}` } }));
          }
          const page = await openApp('drop&walk');
          await dropOn(page, '#drop', dropped);
          const { seen } = await expectEncrypted(page, fx);
          const drop = seen.find((x) => x.event === 'drop');
          const unique = (list) => [...new Map(list.map((x) => [JSON.stringify(x), x])).values()];
          assert.deepEqual(drop.entries, unique(expected.map((x) => x.entry)), 'one entry per dropped file or folder');
          assert.deepEqual(drop.files.map((f) => f.path).sort(), expected.map((x) => x.path).sort(), 'every file, under its path');
          assert.deepEqual([...site.stored.keys()].sort(), expected.map((x) => x.path).sort(), 'stored under their paths');
        });
    }

    // A page-made (untrusted) paste passes untouched (channels.test.mjs), so
    // only a trusted paste can test encryption. Firefox: a privileged paste of
    // a disk file. Chromium: no driver puts files on its clipboard.
    const pasteTodo = browserName === 'chromium' && 'Chromium: no driver can make a trusted paste of files';
    it('paste (trusted: a privileged paste of a disk file)', { todo: pasteTodo }, async () => {
      const fx = fresh(1);
      const page = await openApp('paste');
      if (pasteTodo) throw new Error(pasteTodo);
      await trustedFileEvent(cb.browser, page, 'paste', '#paste', [fx.files[0].path]);
      const { seen } = await expectEncrypted(page, fx);
      assert.equal(seen.filter((s) => s.event === 'paste').length, 1, 'the page saw one paste');
    });

    if (browserName === 'chromium') {
      // No driver answers Chromium's File System Access pickers, so the page's
      // pickers are stood in for before any script runs, by ones that return
      // real handles from the page's own OPFS holding the fixtures. Cloak's hook
      // wraps whatever it finds at document_start; had it run first, the page
      // would get these plaintext handles and the plaintext checks would fail.
      const pickers = () => {
        const picked = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('picked');
        window.showOpenFilePicker = async () => {
          const out = [];
          for await (const h of (await picked()).values()) if (h.kind === 'file') out.push(h);
          return out;
        };
        window.showDirectoryPicker = picked;
      };
      /** Writes `files` into the page's OPFS under picked/, the last one in picked/sub/. */
      const stage = (page, files) => page.evaluate(async (list) => {
        const root = await navigator.storage.getDirectory();
        await root.removeEntry('picked', { recursive: true }).catch(() => {});
        const picked = await root.getDirectoryHandle('picked', { create: true });
        const sub = await picked.getDirectoryHandle('sub', { create: true });
        for (const [i, f] of list.entries()) {
          const dir = i === list.length - 1 ? sub : picked;
          const w = await (await dir.getFileHandle(f.name, { create: true })).createWritable();
          await w.write(f.text);
          await w.close();
        }
      }, files.map((f) => ({ name: f.name, text: f.body.toString() })));

      it('showOpenFilePicker: the page gets handles to the encrypted files only', async () => {
        const fx = fresh(2);
        const page = await openApp('put', { beforeLoad: pickers });
        await stage(page, [...fx.files, { name: 'unpicked.txt', body: Buffer.from('in sub/, not picked') }]);
        await page.evaluate(() => window.pickFiles());
        const { seen } = await expectEncrypted(page, fx);
        assert.deepEqual(seen.filter((x) => x.files).map((x) => x.event), ['picker']);
        const refused = await page.evaluate(async () => {
          const [h] = await window.showOpenFilePicker();
          return h.createWritable().then(() => 'written', (e) => e.name);
        });
        assert.equal(refused, 'NotAllowedError', 'the encrypted copy cannot be written through');
      });

      it('showDirectoryPicker: the page walks a read-only tree of encrypted files, folders kept', async () => {
        const fx = fresh(3);
        const page = await openApp('put', { beforeLoad: pickers });
        await stage(page, fx.files);
        await page.evaluate(() => window.pickFolder());
        await expectEncrypted(page, fx);
        assert.deepEqual([...site.stored.keys()].sort(), [
          `picked/${fx.files[0].name}.cloak`, `picked/${fx.files[1].name}.cloak`, `picked/sub/${fx.files[2].name}.cloak`,
        ].sort());
        const refused = await page.evaluate(async () => {
          const dir = await window.showDirectoryPicker();
          return dir.getFileHandle('new.txt', { create: true }).then(() => 'created', (e) => e.name);
        });
        assert.equal(refused, 'NotAllowedError', 'nothing can be created in the encrypted copy');
      });
    }

    it('positive control: an unprotected site receives plaintext and the scanner fires', async () => {
      const fx = fresh(1);
      await cb.unprotect(site.url);
      try {
        const page = await openApp('fetch');
        await (await page.$('#picker')).uploadFile(fx.files[0].path);
        assert.ok(await waitFor(() => site.stored.size === 1));
        assert.ok(site.stored.has(fx.files[0].name), 'stored under the plain name');
        assert.ok(site.hits.length > 0, 'the marker scanner must fire on plaintext');
      } finally {
        await cb.protect(site.url);
      }
    });

    it('a locked vault blocks the upload until it is unlocked, then continues it', async () => {
      const fx = fresh(1);
      await cb.lock();
      const page = await openApp('put');
      await (await page.$('#picker')).uploadFile(fx.files[0].path);
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(site.stored.size, 0, 'nothing uploaded while locked');
      assert.deepEqual(await page.evaluate(() => window.seen), [], 'the page saw no file while locked');
      await cb.unlock();
      await expectEncrypted(page, fx);
    });

    it('"upload next file unencrypted" from the popup covers one file, then encryption resumes', async () => {
      const fx = fresh(2);
      const token = `bypass-${Date.now()}`;
      const page = await openApp(`put&tab=${token}`);
      const granted = await cb.inExtension(async (token) => {
        const ext = globalThis.browser ?? globalThis.chrome;
        const tab = (await ext.tabs.query({})).find((t) => t.url?.includes(token));
        const { MSG, send } = await import('../lib/messages.js');
        return send(ext, MSG.GRANT_BYPASS, { tabId: tab.id });
      }, token);
      assert.ok(granted.ok, JSON.stringify(granted));
      await (await page.$('#picker')).uploadFile(fx.files[0].path);
      assert.ok(await waitFor(() => site.stored.size === 1));
      assert.ok(site.stored.has(fx.files[0].name), 'the one allowed file went as is');
      site.reset();
      await page.evaluate(() => { window.uploaded = 0; });
      await (await page.$('#picker')).uploadFile(fx.files[1].path);
      assert.ok(await waitFor(() => site.stored.size === 1));
      assert.ok(site.stored.has(`${fx.files[1].name}.cloak`), 'the next file is encrypted again');
      assert.deepEqual(site.hits.filter((h) => h.marker.includes(fx.markers[1])), []);
    });

    it('hide file names: the site never sees the real name', async () => {
      const fx = fresh(1, 5000, { nameMarker: true });
      await cb.setSettings({ hideNames: true });
      try {
        const page = await openApp('put');
        await (await page.$('#picker')).uploadFile(fx.files[0].path);
        await expectEncrypted(page, fx);
        const [name] = site.stored.keys();
        assert.match(name, /^[0-9a-f]{24}\.cloak$/);
      } finally {
        await cb.setSettings({});
      }
    });

    /** Selects the folder `dir` on the page's webkitdirectory input, as a user would. */
    async function pickFolder(page, dir) {
      if (browserName === 'chromium') return (await page.$('#folder')).uploadFile(dir);
      // WebDriver BiDi's input.setFiles refuses directories in Firefox: the
      // user clicks the input and Firefox's folder dialog answers `dir`.
      return pickFirefoxFolder(cb.browser, page, '#folder', dir);
    }

    it('hide file names with a folder: no folder name reaches the site, and each comes back', async () => {
      const fx = fresh(3, 5000);
      const hiddenFolder = `FOLDER-MARKER-${Date.now().toString(16)}`;
      mkdirSync(join(fx.dir, hiddenFolder));
      for (const f of fx.files.slice(1)) {
        renameSync(f.path, join(fx.dir, hiddenFolder, f.name));
        f.path = join(fx.dir, hiddenFolder, f.name);
      }
      const top = fx.dir.split('/').pop();
      site.watch([...fx.markers, top, hiddenFolder]);
      await cb.setSettings({ hideNames: true });
      try {
        const page = await openApp('folder');
        await pickFolder(page, fx.dir);
        const { seen } = await expectEncrypted(page, fx);
        const stored = [...site.stored.keys()];
        assert.deepEqual(site.hits, [], 'no folder or file name reached the site');
        for (const name of stored) assert.match(name, /^([0-9a-f]{24}\/)+[0-9a-f]{24}\.cloak$/, name);
        const change = seen.find((x) => x.event === 'change');
        for (const f of change.files) assert.doesNotMatch(f.path, new RegExp(`${top}|${hiddenFolder}`), 'the page saw a folder name');
        const prefixes = new Set(stored.map((n) => n.split('/')[0]));
        assert.equal(prefixes.size, 1, 'one random name for the selected folder, shared by all its files');
        const nested = stored.filter((n) => n.split('/').length === 3);
        assert.equal(nested.length, 2, 'the nested folder keeps its place in the tree');
        assert.equal(new Set(nested.map((n) => n.split('/')[1])).size, 1, 'and one random name');
        const back = [...site.stored.values()].map((bytes) => cliDecrypt(keyFile, bytes));
        assert.deepEqual(back.map((b) => `${b.folder}/${b.name}`).sort(), [
          `${top}/${fx.files[0].name}`, `${top}/${hiddenFolder}/${fx.files[1].name}`, `${top}/${hiddenFolder}/${fx.files[2].name}`,
        ].sort(), 'the CLI restores the real folders');
      } finally {
        await cb.setSettings({});
      }
    });

    it('folder input (webkitdirectory): every file, relative paths kept', async () => {
      const fx = fresh(3, 10_000);
      const page = await openApp('folder');
      await pickFolder(page, fx.dir);
      const { seen } = await expectEncrypted(page, fx);
      const change = seen.find((s) => s.event === 'change');
      const folder = fx.dir.split('/').pop();
      for (const f of change.files) assert.equal(f.path, `${folder}/${f.name}`, 'webkitRelativePath kept, with the .cloak name');
      for (const name of site.stored.keys()) assert.ok(name.startsWith(`${folder}/`), name);
    });

    it('a 1,000-file folder upload completes', async () => {
      const fx = fresh(1000, 2000);
      const page = await openApp('folder');
      await pickFolder(page, fx.dir);
      await expectEncrypted(page, fx, { timeout: 240_000 });
      assert.equal(site.stored.size, 1000);
    });

    it('a selection of small and large files arrives whole, in order, each file with its own identity', async () => {
      // 150 files cross the worker's segments (128 files, 64 MiB) and its
      // in-memory limit for small files (1 MiB), and add up to more than the
      // 64 MiB a selection may stage in memory, so segments are OPFS files:
      // sizes are all different, so a ciphertext given to the wrong name
      // breaks the order of sizes.
      const big = { 10: 1 << 20, 11: (1 << 20) + 1, 60: 3 << 20, 129: 0, 140: 64 << 20 };
      const fx = fresh(150, (i) => big[i] ?? 1000 + 7 * i);
      const page = await openApp('put');
      await (await page.$('#picker')).uploadFile(...fx.files.map((f) => f.path));
      const { seen } = await expectEncrypted(page, fx, { timeout: 120_000 });
      const bySize = [...fx.files].sort((a, b) => a.body.length - b.body.length);
      const stored = bySize.map((f) => site.stored.get(`${f.name}.cloak`).length);
      for (let k = 1; k < stored.length; k++) {
        assert.ok(stored[k] > stored[k - 1], `${bySize[k].name} got a ciphertext no longer than ${bySize[k - 1].name}'s`);
      }
      for (const i of Object.keys(big)) {
        const back = cliDecrypt(keyFile, site.stored.get(`${fx.files[i].name}.cloak`));
        assert.equal(back.name, fx.files[i].name);
        assert.ok(back.body.equals(fx.files[i].body), `${back.name} differs after decryption`);
      }
      const stamps = seen.find((s) => s.event === 'change').files.map((f) => f.lastModified);
      assert.equal(new Set(stamps).size, 150, 'every encrypted file has its own lastModified');
    });

    async function uppyAdd(page, path) {
      await page.waitForFunction(() => window.uppy, { polling: 100 });
      const input = await page.$('input.uppy-Dashboard-input');
      await input.uploadFile(path);
    }

    it('Uppy Dashboard with @uppy/tus against @tus/server', async () => {
      const fx = fresh(1, 300_000);
      const page = await openApp('fetch');
      await page.goto(`${site.url}/uppy.html`);
      await uppyAdd(page, fx.files[0].path);
      assert.ok(await waitFor(() => site.stored.size === 1), 'tus upload finished');
      await waitFor(() => page.evaluate(() => window.uppyEvents.some((e) => e.event !== 'file-added')));
      const events = await page.evaluate(() => window.uppyEvents);
      assert.ok(events.some((e) => e.event === 'upload-success'), JSON.stringify(events));
      for (const e of events) assert.match(e.name, /\.cloak$/, `Uppy saw ${e.name}`);
      expectStoredAsCloak(fx); // no plaintext either, not even in Upload-Metadata
    });

    for (const what of ['files', 'folder']) {
      it(`Uppy Dashboard: a dropped ${what} (trusted) is uploaded encrypted${what === 'folder' ? ', paths kept' : ''}`,
        { todo: what === 'folder' && folderDropTodo }, async () => {
          const fx = fresh(what === 'files' ? 2 : 3, 20_000);
          const folder = fx.dir.split('/').pop();
          let dropped = fx.files.map((f) => f.path);
          if (what === 'folder') {
            nest(fx, 2);
            dropped = [fx.dir];
          }
          const page = await openApp('fetch');
          await page.goto(`${site.url}/uppy.html`);
          await page.waitForFunction(() => window.uppy, { polling: 100 });
          await dropOn(page, '.uppy-Dashboard-inner', dropped);
          assert.ok(await waitFor(() => site.stored.size === fx.files.length), `tus uploads finished: ${JSON.stringify(await page.evaluate(() => window.uppyEvents))}`);
          const events = await page.evaluate(() => window.uppyEvents);
          const added = events.filter((e) => e.event === 'file-added');
          assert.equal(added.length, fx.files.length, JSON.stringify(events));
          for (const e of events) assert.match(e.name, /\.cloak$/, `Uppy saw ${e.name}`);
          if (what === 'folder') {
            assert.deepEqual(added.map((e) => e.path).sort(), [
              `${folder}/report-0.txt.cloak`, `${folder}/report-1.txt.cloak`, `${folder}/sub/report-2.txt.cloak`,
            ], 'Uppy kept the folder paths');
          }
          expectStoredAsCloak(fx);
        });
    }

    for (const how of ['picked', 'dropped files', 'a dropped folder']) {
      it(`FilePond: ${how} uploaded encrypted as multipart posts`, { todo: how === 'a dropped folder' && folderDropTodo }, async () => {
        const fx = fresh(3, 20_000);
        const page = await cb.browser.newPage();
        pages.push(page);
        await page.goto(`${site.url}/filepond.html`);
        await page.waitForFunction(() => window.pond, { polling: 100 });
        if (how === 'picked') await (await page.$('input.filepond--browser')).uploadFile(...fx.files.map((f) => f.path));
        else if (how === 'dropped files') await dropOn(page, '.filepond--root', fx.files.map((f) => f.path));
        else {
          nest(fx, 2);
          await dropOn(page, '.filepond--root', [fx.dir]);
        }
        const finished = () => page.evaluate(() => window.pondEvents.filter((e) => e.event === 'processfile').length);
        assert.ok(await waitFor(async () => (await finished()) === 3), `FilePond finished: ${JSON.stringify(await page.evaluate(() => window.pondEvents))}`);
        const events = await page.evaluate(() => window.pondEvents);
        assert.deepEqual(events.filter((e) => e.error), [], 'no errors');
        for (const e of events) assert.match(e.name, /\.cloak$/, `FilePond saw ${e.name}`);
        expectStoredAsCloak(fx);
      });
    }

    for (const how of ['picked', 'dropped files', 'a dropped folder']) {
      it(`Dropzone: ${how} uploaded encrypted in chunks cut with file.slice()`, { todo: how === 'a dropped folder' && folderDropTodo }, async () => {
        const fx = fresh(3, 20_000);
        const folder = fx.dir.split('/').pop();
        const page = await cb.browser.newPage();
        pages.push(page);
        await page.goto(`${site.url}/dropzone.html`);
        await page.waitForFunction(() => window.zone, { polling: 100 });
        if (how === 'picked') {
          // A click on the zone opens Dropzone's own hidden input, as for a user.
          const [chooser] = await Promise.all([page.waitForFileChooser(), page.click('#zone')]);
          await chooser.accept(fx.files.map((f) => f.path));
        } else if (how === 'dropped files') await dropOn(page, '#zone', fx.files.map((f) => f.path));
        else {
          nest(fx, 2);
          await dropOn(page, '#zone', [fx.dir]);
        }
        const events = () => page.evaluate(() => window.zoneEvents);
        const settled = async () => (await events()).filter((e) => e.event !== 'addedfile').length === 3;
        assert.ok(await waitFor(settled), `Dropzone finished: ${JSON.stringify(await events())}`);
        const seen = await events();
        assert.deepEqual(seen.filter((e) => e.event === 'error'), [], 'no errors');
        for (const e of seen) assert.match(e.name, /\.cloak$/, `Dropzone saw ${e.name}`);
        if (how === 'a dropped folder') {
          assert.deepEqual(seen.filter((e) => e.event === 'addedfile').map((e) => e.path).sort(), [
            `${folder}/report-0.txt.cloak`, `${folder}/report-1.txt.cloak`, `${folder}/sub/report-2.txt.cloak`,
          ], 'Dropzone kept the folder paths');
        }
        expectStoredAsCloak(fx);
      });
    }

    /**
     * Reloads `page` while its uploads are in flight, and proves the new
     * document is there. Firefox's remote agent twice rejected such a reload
     * with NS_BINDING_ABORTED (once in a run of three test files, once in a
     * fresh-clone CI run; never when this test ran alone). It is how
     * Firefox's WebDriver BiDi reports a navigation that was aborted or
     * superseded (puppeteer/puppeteer#12929, microsoft/playwright#20749);
     * which navigation was aborted here is not known, so that error is let
     * through only if a marker set in the old document is gone from the
     * loaded one.
     */
    async function reloadMidUpload(page) {
      await page.evaluate(() => { window.beforeReload = true; });
      let aborted = null;
      await page.reload().catch((err) => {
        if (!/NS_BINDING_ABORTED/.test(err.message)) throw err;
        aborted = err;
      });
      const reloaded = () => page.evaluate(() => !window.beforeReload && document.readyState === 'complete').catch(() => false);
      assert.ok(await waitFor(reloaded, 20000), `the page did not reload${aborted ? ` (${aborted.message.split('\n')[0]})` : ''}`);
    }

    it('tus upload interrupted, page reloaded, file re-added: ends as a file that decrypts', async () => {
      const fx = fresh(1, 4 << 20);
      const page = await openApp('fetch');
      await page.goto(`${site.url}/uppy.html`);
      await page.evaluate(() => window.uppy.getPlugin('Tus').setOptions({ chunkSize: 256 * 1024 }));
      await uppyAdd(page, fx.files[0].path);
      // Interrupt once some chunks have arrived.
      assert.ok(await waitFor(() => site.requests > 0 && [...site.stored].length === 0 && site.tusBytes() > 0, 20000));
      await reloadMidUpload(page);
      await uppyAdd(page, fx.files[0].path);
      assert.ok(await waitFor(() => site.stored.size >= 1, 60000), 'the re-added upload finished');
      assert.deepEqual(site.hits, []);
      for (const [, bytes] of site.stored) {
        assert.ok(cliDecrypt(keyFile, bytes).body.equals(fx.files[0].body), 'decrypts to the original');
      }
    });

    it('re-selecting the same file gives a new identity (no resumable splice)', async () => {
      const fx = fresh(1);
      const page = await openApp('put');
      const input = await page.$('#picker');
      await input.uploadFile(fx.files[0].path);
      await expectEncrypted(page, fx);
      const first = await page.evaluate(() => window.seen.at(-1).files[0]);
      site.reset();
      await page.evaluate(() => { window.seen = []; });
      await input.uploadFile(fx.files[0].path);
      await expectEncrypted(page, fx);
      const second = await page.evaluate(() => window.seen.at(-1).files[0]);
      assert.equal(first.size, second.size);
      assert.notEqual(first.lastModified, second.lastModified, 'each encryption has its own lastModified');
    });
  });
}
