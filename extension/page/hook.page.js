// Cloak page hook (MAIN world, document_start). It holds no key and no WASM:
// it only takes the File objects a user hands the page (file inputs, drop,
// paste), keeps them from every page listener, passes them over a private
// MessagePort to Cloak's isolated content script, and hands the page the
// encrypted Files instead, re-dispatching the same events. On any failure the
// page gets no file at all.
(() => {
  'use strict';
  if (Object.prototype.hasOwnProperty.call(window, '__cloakHook')) return;
  Object.defineProperty(window, '__cloakHook', { value: true });

  // Natives captured before any page script can patch them.
  const listen = EventTarget.prototype.addEventListener;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const stopImmediate = Event.prototype.stopImmediatePropagation;
  const preventDefault = Event.prototype.preventDefault;
  const composedPath = Event.prototype.composedPath;
  const filesDesc = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'files');
  const NativeDataTransfer = DataTransfer;
  const NativeFile = File;
  const NativeEvent = Event;
  const NativeDragEvent = DragEvent;
  const NativeClipboardEvent = ClipboardEvent;
  const defineProperty = Object.defineProperty;
  const arrayFrom = Array.from;

  const ours = new WeakSet(); // events Cloak dispatched itself
  const busy = new WeakMap(); // input -> request id while its selection is encrypted
  const waiting = new Map(); // request id -> {resolve, reject}
  let port = null;
  let nextId = 1;

  // Private channel: the isolated bridge hands over a port synchronously, at
  // document_start, before any page script exists to see it.
  listen.call(window, 'cloak:bridge-port', (e) => {
    if (port || !e.ports || e.ports.length !== 1) return;
    stopImmediate.call(e);
    preventDefault.call(e); // tells the bridge the port arrived
    port = e.ports[0];
    port.onmessage = onReply;
  }, true);
  dispatch.call(window, new NativeEvent('cloak:hook-ready'));

  function onReply(e) {
    const msg = e.data;
    if (!msg || typeof msg.id !== 'number' || !waiting.has(msg.id)) return;
    const { resolve, reject } = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.type === 'encrypted' && Array.isArray(msg.files) && msg.files.every((f) => f instanceof NativeFile)) {
      resolve(msg);
    } else {
      reject(new Error(typeof msg.message === 'string' ? msg.message : 'Cloak could not encrypt'));
    }
  }

  function encrypt(kind, files, paths) {
    if (!port) return Promise.reject(new Error('Cloak is not ready in this frame'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      port.postMessage({ type: 'encrypt', id, kind, files, paths });
    });
  }

  function withPaths(files, paths) {
    files.forEach((f, i) => {
      if (paths[i]) defineProperty(f, 'webkitRelativePath', { value: paths[i], enumerable: true });
    });
    return files;
  }

  function transfer(files) {
    const dt = new NativeDataTransfer();
    for (const f of files) dt.items.add(f);
    return dt;
  }

  const realTarget = (e) => composedPath.call(e)[0] || e.target;

  // File inputs: `input` and `change` both fire for one selection.
  function onInputEvent(e) {
    if (ours.has(e)) return;
    const input = realTarget(e);
    if (!(input instanceof HTMLInputElement) || input.type !== 'file') return;
    if (busy.has(input)) {
      stopImmediate.call(e);
      return;
    }
    const files = arrayFrom(filesDesc.get.call(input) || []);
    if (!files.length) return; // a cancelled selection carries nothing to protect
    stopImmediate.call(e);
    const paths = files.map((f) => f.webkitRelativePath || '');
    filesDesc.set.call(input, new NativeDataTransfer().files); // the page never sees plaintext
    const id = nextId;
    busy.set(input, id);
    encrypt('input', files, paths).then((reply) => {
      filesDesc.set.call(input, transfer(withPaths(reply.files, reply.paths || [])).files);
      busy.delete(input);
      for (const type of ['input', 'change']) {
        const ev = new NativeEvent(type, { bubbles: true, composed: type === 'input' });
        ours.add(ev);
        dispatch.call(input, ev);
      }
    }, (err) => {
      busy.delete(input);
      console.warn('Cloak blocked this upload:', err.message);
    });
  }

  async function readEntry(entry, prefix, out) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      out.push({ file, path: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await readEntry(child, `${prefix}${entry.name}/`, out);
      }
    }
  }

  // Drop: files and folders.
  function onDrop(e) {
    if (ours.has(e)) return;
    const dt = e.dataTransfer;
    if (!dt || !arrayFrom(dt.types || []).includes('Files')) return;
    stopImmediate.call(e);
    preventDefault.call(e);
    const target = realTarget(e);
    const entries = arrayFrom(dt.items || []).filter((it) => it.kind === 'file')
      .map((it) => (it.webkitGetAsEntry ? it.webkitGetAsEntry() : null));
    const plainFiles = arrayFrom(dt.files);
    const init = {
      bubbles: true, cancelable: true, composed: true, clientX: e.clientX, clientY: e.clientY,
      screenX: e.screenX, screenY: e.screenY, ctrlKey: e.ctrlKey, shiftKey: e.shiftKey, altKey: e.altKey, metaKey: e.metaKey,
    };
    (async () => {
      let picked = plainFiles.map((file) => ({ file, path: '' }));
      if (entries.length && entries.every(Boolean) && entries.some((en) => en.isDirectory)) {
        picked = [];
        for (const en of entries) await readEntry(en, '', picked);
      }
      const reply = await encrypt('drop', picked.map((p) => p.file), picked.map((p) => p.path));
      const ev = new NativeDragEvent('drop', { ...init, dataTransfer: transfer(withPaths(reply.files, reply.paths || [])) });
      ours.add(ev);
      dispatch.call(target, ev);
    })().catch((err) => console.warn('Cloak blocked this drop:', err.message));
  }

  // Paste: files on the clipboard (text passes through untouched).
  function onPaste(e) {
    if (ours.has(e)) return;
    const cd = e.clipboardData;
    const files = cd ? arrayFrom(cd.files || []) : [];
    if (!files.length) return;
    stopImmediate.call(e);
    preventDefault.call(e);
    const target = realTarget(e);
    const texts = arrayFrom(cd.types || []).filter((t) => t.startsWith('text/')).map((t) => [t, cd.getData(t)]);
    encrypt('paste', files, files.map(() => '')).then((reply) => {
      const dt = transfer(reply.files);
      for (const [t, v] of texts) dt.setData(t, v);
      const ev = new NativeClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true, clipboardData: dt });
      ours.add(ev);
      dispatch.call(target, ev);
    }, (err) => console.warn('Cloak blocked this paste:', err.message));
  }

  listen.call(window, 'input', onInputEvent, true);
  listen.call(window, 'change', onInputEvent, true);
  listen.call(window, 'drop', onDrop, true);
  listen.call(window, 'paste', onPaste, true);

  // File System Access pickers (Chromium): the page gets handles whose getFile()
  // yields the encrypted file.
  if (typeof window.showOpenFilePicker === 'function' && typeof FileSystemFileHandle === 'function') {
    const nativePicker = window.showOpenFilePicker;
    const HandleProto = FileSystemFileHandle.prototype;
    window.showOpenFilePicker = async function showOpenFilePicker(options) {
      const handles = await nativePicker.call(window, options);
      const files = await Promise.all(handles.map((h) => h.getFile()));
      const reply = await encrypt('picker', files, files.map(() => ''));
      return reply.files.map((file) => Object.create(HandleProto, {
        kind: { value: 'file' },
        name: { value: file.name },
        getFile: { value: async () => file },
      }));
    };
  }
})();
