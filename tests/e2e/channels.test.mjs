// No plaintext through any standard channel, in any frame kind: inputs the
// page never attaches, inputs in open and closed shadow roots, inputs in
// srcdoc and about:blank frames. The page's own listeners read what they get
// and upload it; the server must receive only .cloak files and never a
// plaintext content marker. Events a page makes itself pass untouched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSERS } from '../lib/browsers.mjs';
import { CloakBrowser } from '../lib/cloak.mjs';
import { cliDecrypt, makeFixtures } from '../lib/fixtures.mjs';
import { waitFor } from '../lib/wait.mjs';
import { StorageSite } from './site/server.mjs';

// Page code: makes the input of `kind`, listens as a library would (a bubbling
// listener on the input itself, or `onchange`), and uploads what it read.
function setUp(kind) {
  window.got = [];
  const record = (files) => {
    const list = Array.from(files || []);
    window.got.push(list.map((f) => f.name));
    for (const f of list) fetch(`/upload/raw/${encodeURIComponent(f.name)}`, { method: 'PUT', body: f });
  };
  const listenOn = (input) => {
    if (kind.endsWith('onchange')) input.onchange = () => record(input.files);
    else input.addEventListener('change', () => record(input.files));
  };
  const make = (doc) => {
    const input = doc.createElement('input');
    input.type = 'file';
    input.multiple = true;
    listenOn(input);
    return input;
  };
  if (kind.startsWith('detached')) {
    window.target = make(document);
  } else if (kind.startsWith('shadow')) {
    const host = document.createElement('div');
    document.body.append(host);
    const root = host.attachShadow({ mode: kind === 'shadow-closed' ? 'closed' : 'open' });
    window.target = make(document);
    root.append(window.target);
  } else if (kind === 'srcdoc' || kind === 'about-blank') {
    const frame = document.createElement('iframe');
    if (kind === 'srcdoc') frame.srcdoc = '<!doctype html><body><p>frame</p></body>';
    document.body.append(frame);
    return new Promise((resolve) => {
      const ready = () => {
        const input = make(frame.contentDocument);
        frame.contentDocument.body.append(input);
        window.target = input;
        resolve();
      };
      if (kind === 'about-blank') ready();
      else frame.addEventListener('load', ready, { once: true });
    });
  }
  return undefined;
}

for (const browserName of BROWSERS) {
  describe(`channels and frames in ${browserName}`, () => {
    let site;
    let cb;
    let keyFile;
    before(async () => {
      site = await new StorageSite().start();
      cb = await CloakBrowser.start(browserName);
      await cb.createVault();
      await cb.protect(site.url);
      keyFile = await cb.keyFile();
    });
    after(async () => {
      await cb?.close();
      await site?.stop();
    });

    async function openPage() {
      const page = await cb.browser.newPage();
      await page.goto(`${site.url}/app.html?mode=put`);
      return page;
    }

    async function expectOnlyCiphertext(page, fx) {
      const names = fx.files.map((f) => `${f.name}.cloak`).sort();
      const done = await waitFor(() => site.stored.size >= fx.files.length, 20_000);
      const got = await page.evaluate(() => window.got);
      assert.ok(done, `stored ${[...site.stored.keys()]}; the page got ${JSON.stringify(got)}`);
      assert.deepEqual(site.hits, [], 'the server received plaintext');
      assert.deepEqual([...site.stored.keys()].sort(), names);
      for (const list of got) for (const name of list) assert.match(name, /\.cloak$/, `the page got ${name}`);
      for (const [, bytes] of site.stored) {
        const { name, body } = cliDecrypt(keyFile, bytes);
        assert.ok(body.equals(fx.files.find((f) => f.name === name).body));
      }
    }

    function fresh(count = 2) {
      site.reset();
      const fx = makeFixtures(count, 20_000);
      site.watch(fx.markers);
      return fx;
    }

    for (const kind of ['detached', 'detached-onchange']) {
      it(`an input never attached to the document (${kind === 'detached' ? 'change listener' : 'onchange'}), opened by click()`, async () => {
        const fx = fresh();
        const page = await openPage();
        await page.evaluate(setUp, kind);
        const [chooser] = await Promise.all([page.waitForFileChooser(), page.evaluate(() => window.target.click())]);
        await chooser.accept(fx.files.map((f) => f.path));
        await expectOnlyCiphertext(page, fx);
        await page.close();
      });
    }

    if (browserName === 'chromium') {
      it('an input never attached to the document, opened by showPicker()', async () => {
        const fx = fresh();
        const page = await openPage();
        await page.evaluate(setUp, 'detached');
        const [chooser] = await Promise.all([page.waitForFileChooser(), page.evaluate(() => window.target.showPicker())]);
        await chooser.accept(fx.files.map((f) => f.path));
        await expectOnlyCiphertext(page, fx);
        await page.close();
      });
    }

    for (const kind of ['shadow-open', 'shadow-closed', 'srcdoc', 'about-blank']) {
      it(`an input in ${kind.startsWith('shadow') ? `a ${kind.slice(7)} shadow root` : `an ${kind} frame`}`, async () => {
        const fx = fresh();
        const page = await openPage();
        await page.evaluate(setUp, kind);
        // WebDriver BiDi sets files only through a handle from the input's own frame.
        const frame = kind.startsWith('shadow') ? page.mainFrame() : page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith('about:'));
        assert.ok(frame, `no ${kind} frame among ${page.frames().map((f) => f.url())}`);
        const input = kind.startsWith('shadow')
          ? await page.evaluateHandle(() => window.target)
          : await frame.$('input[type=file]');
        await input.uploadFile(...fx.files.map((f) => f.path));
        await expectOnlyCiphertext(page, fx);
        await page.close();
      });
    }

    describe('a form submitted while its file is being encrypted (200 MiB)', () => {
      let big;
      let small;
      before(() => {
        big = makeFixtures(1, 200 << 20);
        small = makeFixtures(1, 10_000);
      });

      /** Selects the big file in the form's input; returns once the page sees it empty (Cloak is encrypting). */
      async function selectBig(page) {
        site.reset();
        site.watch([...big.markers, ...small.markers]);
        await (await page.$('#form-file')).uploadFile(big.files[0].path);
        assert.equal(await page.evaluate(() => document.getElementById('form-file').files.length), 0,
          'while Cloak encrypts, the input is empty');
      }

      async function expectOnePost(expected) {
        assert.ok(await waitFor(() => site.multipartPosts.length >= 1, 60_000), 'the held submit was made');
        await new Promise((r) => setTimeout(r, 1000));
        assert.deepEqual(site.multipartPosts, [[expected]], 'exactly one post, with the .cloak file');
        assert.deepEqual(site.hits, [], 'the server received plaintext');
      }

      for (const how of ['the submit button, clicked three times', 'requestSubmit()', 'form.submit()']) {
        it(`by ${how}: held, then sent once with the .cloak`, async () => {
          const page = await openPage();
          await selectBig(page);
          await page.evaluate((how) => {
            const form = document.getElementById('form');
            if (how.startsWith('the submit')) for (let i = 0; i < 3; i++) document.getElementById('form-submit').click();
            else if (how === 'requestSubmit()') form.requestSubmit();
            else form.submit();
          }, how);
          await expectOnePost(`${big.files[0].name}.cloak`);
          await page.close();
        });
      }

      it('a page that cancels the submit and posts its own FormData sends only the .cloak', async () => {
        const page = await openPage();
        await page.evaluate(() => {
          const form = document.getElementById('form');
          form.addEventListener('submit', (e) => {
            e.preventDefault();
            fetch(form.action.replace('?redirect=1', ''), { method: 'POST', body: new FormData(form) });
          });
        });
        await selectBig(page);
        await page.evaluate(() => document.getElementById('form-submit').click());
        await expectOnePost(`${big.files[0].name}.cloak`);
        await page.close();
      });

      it('a new selection while the first is encrypting replaces it', async () => {
        const page = await openPage();
        await selectBig(page);
        await (await page.$('#form-file')).uploadFile(small.files[0].path);
        assert.equal(await page.evaluate(() => document.getElementById('form-file').files.length), 0,
          'the second selection is not left in the input as plaintext');
        await page.evaluate(() => document.getElementById('form').requestSubmit());
        await expectOnePost(`${small.files[0].name}.cloak`);
        await page.close();
      });
    });

    it('an untrusted page-made paste, drop and change pass untouched: nothing is encrypted, no unlock window opens', async () => {
      site.reset();
      await cb.lock();
      const before = (await cb.recent()).length;
      const page = await openPage();
      const seen = await page.evaluate(async () => {
        const out = [];
        const file = () => new File(['the page\u2019s own bytes'], 'own.txt', { type: 'text/plain' });
        const dt = () => {
          const d = new DataTransfer();
          d.items.add(file());
          return d;
        };
        const target = document.getElementById('paste');
        target.addEventListener('paste', (e) => out.push(['paste', e.clipboardData.files[0]?.name]));
        target.addEventListener('drop', (e) => out.push(['drop', e.dataTransfer.files[0]?.name]));
        target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt(), bubbles: true, cancelable: true }));
        target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt(), bubbles: true, cancelable: true }));
        const input = document.getElementById('picker');
        input.files = dt().files;
        input.addEventListener('change', () => out.push(['change', input.files[0]?.name]), { once: true });
        input.dispatchEvent(new Event('change', { bubbles: true }));
        await new Promise((r) => setTimeout(r, 1500));
        return out;
      });
      // Firefox's ClipboardEvent constructor drops clipboardData: a page-made
      // paste carries no file there, hook or not.
      const pasted = browserName === 'firefox' ? undefined : 'own.txt';
      assert.deepEqual(seen.sort(), [['change', 'own.txt'], ['drop', 'own.txt'], ['paste', pasted]]);
      const windows = await cb.inExtension(async () => (await (globalThis.browser ?? globalThis.chrome).windows.getAll({ populate: true }))
        .flatMap((w) => w.tabs.map((t) => t.url || '')).filter((u) => u.includes('unlock.html')));
      assert.deepEqual(windows, [], 'no unlock window for a page-made event');
      assert.equal((await cb.recent()).length, before, 'nothing was encrypted or blocked');
      await cb.unlock();
      await page.close();
    });
  });
}
