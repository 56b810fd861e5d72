// What a Firefox user does that no WebDriver command does: pick a folder in
// the file dialog, paste files, drop files from the desktop. Driven from
// Firefox's privileged (chrome) scope, which the browser must be launched to
// allow (`systemAccess` in browsers.mjs). Only the operating system's part is
// stood in for — the dialog's answer, the clipboard's or the drag's contents —
// and Firefox's own code does the rest: the page gets trusted events carrying
// disk-backed files, as from a real user.

/** Evaluates `expression` in the main browser window's chrome scope. */
async function chromeEval(browser, expression) {
  const { result: tree } = await browser.connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const context = tree.contexts[0].context;
  const { result } = await browser.connection.send('script.evaluate', {
    expression, target: { context }, awaitPromise: true, resultOwnership: 'none',
  });
  if (result.type === 'exception') throw new Error(`chrome scope: ${result.exceptionDetails.text}`);
  return result.result.value;
}

/**
 * Clicks `selector`, a webkitdirectory input of `page`, and answers Firefox's
 * folder dialog with `dir`, then Firefox's own "upload all files from …?"
 * confirmation with yes.
 */
export async function pickFolder(browser, page, selector, dir) {
  await answerFolderPicker(browser, dir);
  await page.click(selector);
  for (let i = 0; i < 100; i++) {
    const log = JSON.parse(await chromeEval(browser, 'JSON.stringify(globalThis.cloakTestPicker.log)'));
    if (log.includes('confirmed')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the folder pick did not complete: ${await chromeEval(browser, 'JSON.stringify(globalThis.cloakTestPicker.log)')}`);
}

async function answerFolderPicker(browser, dir) {
  await chromeEval(browser, `(() => {
    const state = globalThis.cloakTestPicker ??= { dir: null, log: [] };
    state.dir = ${JSON.stringify(dir)};
    state.log = [];
    if (state.registered) return;
    const picker = {
      QueryInterface: ChromeUtils.generateQI(['nsIFilePicker']),
      init(browsingContext, title, mode) { this.mode = mode; },
      appendFilters() {}, appendFilter() {}, appendRawFilter() {},
      defaultString: '', defaultExtension: '', filterIndex: 0, displayDirectory: null,
      displaySpecialDirectory: '', okButtonLabel: '', addToRecentDocs: false, capture: 0,
      get file() {
        const f = Cc['@mozilla.org/file/local;1'].createInstance(Ci.nsIFile);
        f.initWithPath(state.dir);
        return f;
      },
      open(callback) {
        const ok = this.mode === Ci.nsIFilePicker.modeGetFolder && state.dir;
        state.log.push(ok ? 'answered' : 'cancelled');
        Services.tm.dispatchToMainThread(() => callback.done(ok ? Ci.nsIFilePicker.returnOK : Ci.nsIFilePicker.returnCancel));
      },
      close() {},
    };
    const factory = {
      QueryInterface: ChromeUtils.generateQI(['nsIFactory']),
      createInstance: (iid) => picker.QueryInterface(iid),
    };
    Components.manager.QueryInterface(Ci.nsIComponentRegistrar)
      .registerFactory(Services.uuid.generateUUID(), 'Cloak test file picker', '@mozilla.org/filepicker;1', factory);
    Services.obs.addObserver((win) => {
      const text = win.document.getElementById('infoBody')?.textContent ?? '';
      state.log.push('dialog: ' + text);
      if (/upload all files/i.test(text)) {
        win.document.querySelector('dialog').getButton('accept').click();
        state.log.push('confirmed');
      }
    }, 'common-dialog-loaded');
    state.registered = true;
  })()`);
}

/**
 * Dispatches trusted events of `kind` ('paste' or 'drop') carrying the files
 * at `paths` on the element `selector` of `page`, from the page's content
 * process. A drop comes as dragenter, dragover, drop on the element's centre.
 * `frame`: the selector of a same-process (same-origin) iframe holding it.
 */
export async function trustedFileEvent(browser, page, kind, selector, paths, { frame = null } = {}) {
  const id = `cloak-test:${Math.random().toString(36).slice(2)}`;
  const params = { id, kind, selector, paths, frame };
  // A frame script runs in the page's content process with chrome privileges:
  // events it creates are trusted. The files are added to the DataTransfer
  // under the page's own principal (a sandbox), as Firefox does for real
  // clipboard and drag data; items added by privileged code are hidden from
  // the page.
  const script = `(async (p) => {
    try {
      // With p.frame, the target is in that same-process frame of the page.
      const w = p.frame ? content.document.querySelector(p.frame).contentWindow : content;
      const target = w.document.querySelector(p.selector);
      // Xrays: the natives, never what the page may have patched on its prototypes.
      const sandbox = Cu.Sandbox(w.document.nodePrincipal, { sandboxPrototype: w, wantXrays: true });
      const files = [];
      for (const path of p.paths) files.push(await w.File.createFromFileName(path));
      const add = (dt) => {
        sandbox.dt = dt;
        for (const f of files) {
          sandbox.f = f;
          Cu.evalInSandbox('dt.items.add(f)', sandbox);
        }
      };
      if (p.kind === 'paste') {
        const ev = new w.ClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true });
        add(ev.clipboardData);
        target.dispatchEvent(ev);
      } else {
        const dt = new w.DataTransfer();
        add(dt);
        const r = target.getBoundingClientRect();
        const at = { clientX: r.x + r.width / 2, clientY: r.y + r.height / 2 };
        // A real drag's store is in protected mode until the drop: dragenter
        // and dragover show no files. A made DataTransfer cannot be put in that
        // mode, so those two carry an empty one and only the drop the files.
        for (const type of ['dragenter', 'dragover', 'drop']) {
          const data = type === 'drop' ? dt : new w.DataTransfer();
          target.dispatchEvent(new w.DragEvent(type, { bubbles: true, cancelable: true, composed: true, dataTransfer: data, ...at }));
        }
      }
      sendAsyncMessage(p.id, { ok: true });
    } catch (err) {
      sendAsyncMessage(p.id, { ok: false, error: String(err) });
    }
  })(${JSON.stringify(params)});`;
  const reply = await chromeEval(browser, `(async () => {
    // The tab by its WebDriver id: two tabs may show the same URL.
    const { NavigableManager } = ChromeUtils.importESModule('chrome://remote/content/shared/NavigableManager.sys.mjs');
    const b = NavigableManager.getBrowserById(${JSON.stringify(page.mainFrame()._id)});
    if (!b) return JSON.stringify({ ok: false, error: 'no tab shows the page' });
    const done = new Promise((resolve) => b.messageManager.addMessageListener(${JSON.stringify(id)}, (m) => resolve(m.data)));
    b.messageManager.loadFrameScript('data:,' + encodeURIComponent(${JSON.stringify(script)}), false);
    const timeout = new Promise((resolve) => setTimeout(() => resolve({ ok: false, error: 'the frame script did not answer' }), 10000));
    return JSON.stringify(await Promise.race([done, timeout]));
  })()`);
  const { ok, error } = JSON.parse(reply);
  if (!ok) throw new Error(`trusted ${kind} failed: ${error}`);
}

/**
 * Right-clicks `selector` on `page` (a real click, through WebDriver) and
 * chooses the item labelled `label` in Firefox's own context menu; returns
 * once it was chosen, or throws with the labels the menu had.
 */
export async function contextMenuItem(browser, page, selector, label) {
  await chromeEval(browser, `(() => {
    const menu = document.getElementById('contentAreaContextMenu');
    globalThis.cloakTestMenu = null;
    menu.addEventListener('popupshown', (e) => {
      if (e.target !== menu) return;
      const items = [...menu.querySelectorAll('menuitem')].filter((m) => !m.hidden);
      const item = items.find((m) => m.label === ${JSON.stringify(label)});
      globalThis.cloakTestMenu = item ? 'chosen' : 'missing: ' + items.map((m) => m.label).join(' | ');
      if (item) menu.activateItem(item);
      else menu.hidePopup();
    }, { once: true });
  })()`);
  await page.click(selector, { button: 'right' });
  for (let i = 0; i < 100; i++) {
    const state = await chromeEval(browser, 'globalThis.cloakTestMenu');
    if (state === 'chosen') return;
    if (state) throw new Error(`context menu: "${label}" ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the context menu did not open');
}

/**
 * Throws an uncaught error inside every running worker whose script URL ends
 * with `suffix`, through Firefox's worker debugger (WebDriver BiDi lists
 * worker realms but cannot evaluate in them); resolves to how many it reached.
 */
export async function throwInWorker(browser, suffix) {
  const inDebugger = 'global.setTimeout(function () { throw new Error("test crash"); });';
  // A process script runs in every content process, the extension's included.
  const script = `(() => {
    let reached = 0;
    const manager = Cc['@mozilla.org/dom/workers/workerdebuggermanager;1'].getService(Ci.nsIWorkerDebuggerManager);
    for (const worker of manager.getWorkerDebuggerEnumerator()) {
      if (!worker.isClosed && worker.url.endsWith(${JSON.stringify(suffix)})) {
        worker.initialize('data:,' + encodeURIComponent(${JSON.stringify(inDebugger)}));
        reached++;
      }
    }
    Services.cpmm.sendAsyncMessage('cloak-test:thrown', reached);
  })();`;
  return Number(await chromeEval(browser, `(async () => {
    let reached = 0;
    const count = (m) => { reached += m.data; };
    Services.ppmm.addMessageListener('cloak-test:thrown', count);
    Services.ppmm.loadProcessScript('data:,' + encodeURIComponent(${JSON.stringify(script)}), false);
    await new Promise((r) => setTimeout(r, 1000));
    Services.ppmm.removeMessageListener('cloak-test:thrown', count);
    return reached;
  })()`));
}
