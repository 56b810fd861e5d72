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
  // Getters and methods that touch plaintext Files are captured too, so a page
  // that later patches a prototype never receives a plaintext File through them.
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  const reflectApply = Reflect.apply;
  const weakMapGet = WeakMap.prototype.get;
  const weakMapSet = WeakMap.prototype.set;
  const weakMapHas = WeakMap.prototype.has;
  const weakMapDelete = WeakMap.prototype.delete;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  const inputForm = getter(HTMLInputElement.prototype, 'form');
  const formRequestSubmit = HTMLFormElement.prototype.requestSubmit;
  const formSubmit = HTMLFormElement.prototype.submit;
  const submitterOf = getter(SubmitEvent.prototype, 'submitter');
  const call = (fn, self, ...args) => reflectApply(fn, self, args);
  const postMessage = MessagePort.prototype.postMessage;
  const fileListLength = getter(FileList.prototype, 'length');
  const fileListItem = FileList.prototype.item;
  const dtFiles = getter(DataTransfer.prototype, 'files');
  const dtTypes = getter(DataTransfer.prototype, 'types');
  const dtItems = getter(DataTransfer.prototype, 'items');
  const dtGetData = DataTransfer.prototype.getData;
  const dtSetData = DataTransfer.prototype.setData;
  const itemsLength = getter(DataTransferItemList.prototype, 'length');
  const itemsAdd = DataTransferItemList.prototype.add;
  const itemKind = getter(DataTransferItem.prototype, 'kind');
  const itemEntry = DataTransferItem.prototype.webkitGetAsEntry;
  const itemHandle = DataTransferItem.prototype.getAsFileSystemHandle;
  const dragData = getter(DragEvent.prototype, 'dataTransfer');
  const clipData = getter(ClipboardEvent.prototype, 'clipboardData');
  const relPath = getter(File.prototype, 'webkitRelativePath');
  const inputType = getter(HTMLInputElement.prototype, 'type');
  const isTrustedFile = (f) => f instanceof NativeFile;
  // Chromium exposes no FileSystem*Entry interfaces to scripts: there their
  // methods are taken from the first dropped entry (a page that patched them
  // before is one written to evade the hook; docs/SECURITY.md).
  let entryFile = typeof FileSystemFileEntry === 'function' ? FileSystemFileEntry.prototype.file : null;
  let entryReader = typeof FileSystemDirectoryEntry === 'function' ? FileSystemDirectoryEntry.prototype.createReader : null;
  let readEntries = typeof FileSystemDirectoryReader === 'function' ? FileSystemDirectoryReader.prototype.readEntries : null;
  const getPrototypeOf = Object.getPrototypeOf;
  const reflectGet = Reflect.get;
  const method = (obj, name) => reflectGet(getPrototypeOf(obj), name);
  const handleGetFile = typeof FileSystemFileHandle === 'function' ? FileSystemFileHandle.prototype.getFile : null;

  function listToArray(list) {
    const out = [];
    const n = call(fileListLength, list);
    for (let i = 0; i < n; i++) out[i] = call(fileListItem, list, i);
    return out;
  }

  function typesOf(dt) {
    const types = call(dtTypes, dt) || [];
    const out = [];
    for (let i = 0; i < types.length; i++) out[i] = types[i];
    return out;
  }

  const busy = new WeakMap(); // input -> request id while its selection is encrypted
  const waiting = new Map(); // request id -> {resolve, reject}
  let port = null;
  let nextId = 1;

  // Private channel: the isolated bridge hands over a port synchronously, at
  // document_start, before any page script exists to see it.
  call(listen, window, 'cloak:bridge-port', (e) => {
    if (port || !e.ports || e.ports.length !== 1) return;
    call(stopImmediate, e);
    call(preventDefault, e); // tells the bridge the port arrived
    port = e.ports[0];
    port.onmessage = onReply;
  }, true);
  call(dispatch, window, new NativeEvent('cloak:hook-ready'));

  function onReply(e) {
    const msg = e.data;
    if (!msg || typeof msg.id !== 'number' || !waiting.has(msg.id)) return;
    const { resolve, reject } = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.type === 'encrypted' && Array.isArray(msg.files) && msg.files.every(isTrustedFile)) {
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
      call(postMessage, port, { type: 'encrypt', id, kind, files, paths });
    });
  }

  function withPaths(files, paths) {
    for (let i = 0; i < files.length; i++) {
      if (paths[i]) defineProperty(files[i], 'webkitRelativePath', { value: paths[i], enumerable: true });
    }
    return files;
  }

  function transfer(files) {
    const dt = new NativeDataTransfer();
    const items = call(dtItems, dt);
    for (let i = 0; i < files.length; i++) call(itemsAdd, items, files[i]);
    return dt;
  }

  const realTarget = (e) => call(composedPath, e)[0] || e.target;

  // What a real drop offers besides `files`: items whose webkitGetAsEntry()
  // walks the dropped tree (Uppy, Dropzone and storage sites walk folders so).
  // A page-made DataTransfer has no entries in Chromium, so the re-dispatched
  // drop carries read-only ones over the encrypted files, one item per
  // dropped file or folder. `protos` holds the native prototypes seen in the
  // user's drop, so the copies pass the page's instanceof checks.
  const later = (fn, value) => setTimeout(() => fn(value), 0); // entry callbacks are asynchronous
  const notFound = (error, path) => error && later(error, new DOMException(`${path} was not found.`, 'NotFoundError'));

  /** Puts `file` into `tree` (name -> File, or name -> Map for a folder) under the folder names `folders`. */
  function placeInTree(tree, folders, file) {
    let at = tree;
    for (const name of folders) {
      if (!(at.get(name) instanceof Map)) at.set(name, new Map());
      at = at.get(name);
    }
    at.set(file.name, file);
  }

  function fileEntry(file, fullPath, protos) {
    return Object.create(protos.file, {
      isFile: { value: true }, isDirectory: { value: false }, name: { value: file.name }, fullPath: { value: fullPath },
      file: { value: (success) => later(success, file) },
      getParent: { value: (success, error) => notFound(error, 'the parent') },
    });
  }

  function dirEntry(name, fullPath, tree, protos) {
    const child = (key) => {
      const v = tree.get(key);
      return v instanceof Map ? dirEntry(key, `${fullPath}/${key}`, v, protos) : fileEntry(v, `${fullPath}/${key}`, protos);
    };
    const lookup = (isDir) => (path, options, success, error) => {
      const v = tree.get(path);
      if (v === undefined || (v instanceof Map) !== isDir || options?.create) notFound(error, path);
      else if (success) later(success, child(path));
    };
    return Object.create(protos.dir, {
      isFile: { value: false }, isDirectory: { value: true }, name: { value: name }, fullPath: { value: fullPath },
      createReader: {
        value: () => {
          let read = false;
          return Object.create(protos.reader, {
            readEntries: {
              value: (success) => {
                const batch = read ? [] : [...tree.keys()].map(child);
                read = true;
                later(success, batch);
              },
            },
          });
        },
      },
      getFile: { value: lookup(false) },
      getDirectory: { value: lookup(true) },
      getParent: { value: (success, error) => notFound(error, 'the parent') },
    });
  }

  /** Gives `dt` one item per top-level file or folder of `files` at `paths`. */
  function withEntries(dt, files, paths, protos) {
    const top = new Map();
    for (let i = 0; i < files.length; i++) placeInTree(top, (paths[i] || files[i].name).split('/').slice(0, -1), files[i]);
    const items = [...top].map(([name, v]) => {
      const isDir = v instanceof Map;
      const entry = isDir ? dirEntry(name, `/${name}`, v, protos) : fileEntry(v, `/${name}`, protos);
      const props = {
        kind: { value: 'file' }, type: { value: isDir ? '' : v.type },
        getAsFile: { value: () => (isDir ? null : v) },
        getAsString: { value: () => {} },
        webkitGetAsEntry: { value: () => entry },
      };
      if (itemHandle && HandleProto) {
        props.getAsFileSystemHandle = { value: async () => (isDir ? dirHandle(name, v) : fileHandle(v)) };
      }
      return Object.create(DataTransferItem.prototype, props);
    });
    const list = { length: { value: items.length }, [Symbol.iterator]: { value: () => items.values() } };
    for (let i = 0; i < items.length; i++) list[i] = { value: items[i], enumerable: true };
    const itemList = Object.create(DataTransferItemList.prototype, list);
    defineProperty(dt, 'items', { get: () => itemList, enumerable: true, configurable: true });
    return dt;
  }

  // Only the user's own actions are encrypted. `isTrusted` is an unforgeable
  // own property of every event: a page can neither set nor patch it. Events a
  // page makes (and the ones Cloak re-dispatches) pass untouched, so a page can
  // never have a file sealed under the user's key, open the unlock window, or
  // use up the one-file bypass.

  // File inputs: `input` and `change` both fire for one selection.
  function onInputEvent(e) {
    if (!e.isTrusted) return;
    const input = realTarget(e);
    if (!isFileInput(input)) return;
    const list = call(filesDesc.get, input);
    const files = list ? listToArray(list) : [];
    const pending = call(weakMapHas, busy, input);
    if (!files.length) {
      // The second event of a selection Cloak took (its input is emptied
      // meanwhile), or a cancelled picker: nothing to protect.
      if (pending) call(stopImmediate, e);
      return;
    }
    call(stopImmediate, e);
    const paths = [];
    for (let i = 0; i < files.length; i++) paths[i] = call(relPath, files[i]) || '';
    // The page never sees plaintext: a JS uploader reading the input while
    // Cloak encrypts finds it empty. A new selection while busy replaces the
    // pending one, whose result is then dropped.
    call(filesDesc.set, input, call(dtFiles, new NativeDataTransfer()));
    const id = nextId;
    call(weakMapSet, busy, input, id);
    if (!pending) formBusy(input, +1);
    const current = () => call(weakMapGet, busy, input) === id;
    encrypt('input', files, paths).then((reply) => {
      if (!current()) return;
      call(filesDesc.set, input, call(dtFiles, transfer(withPaths(reply.files, reply.paths || []))));
      call(weakMapDelete, busy, input);
      call(dispatch, input, new NativeEvent('input', { bubbles: true, composed: true }));
      call(dispatch, input, new NativeEvent('change', { bubbles: true }));
      formBusy(input, -1, true);
    }, (err) => {
      if (!current()) return;
      call(weakMapDelete, busy, input);
      console.warn('Cloak blocked this upload:', err.message);
      formBusy(input, -1, false);
    });
  }

  // Forms whose file inputs are still being encrypted: a submit (the user's
  // click, requestSubmit() or form.submit()) is held, and made once, with the
  // same submitter, when every input of the form has its .cloak files. Repeated
  // submits are absorbed; if encryption fails the held submit is dropped, so
  // the form never goes out without the user's files or with plaintext.
  const busyForms = new Map(); // form -> { count, ok, held: null | { submitter } | { plain: true } }
  function formBusy(input, delta, ok) {
    const form = call(inputForm, input);
    if (!form) return;
    let entry = call(mapGet, busyForms, form);
    if (!entry) {
      entry = { count: 0, ok: true, held: null };
      call(mapSet, busyForms, form, entry);
    }
    entry.count += delta;
    if (ok === false) entry.ok = false;
    if (entry.count > 0) return;
    call(mapDelete, busyForms, form);
    const held = entry.held;
    if (!held) return;
    if (!entry.ok) {
      console.warn('Cloak did not send this form: encrypting its files failed.');
      return;
    }
    if (held.plain) {
      call(formSubmit, form);
      return;
    }
    try {
      if (held.submitter) call(formRequestSubmit, form, held.submitter);
      else call(formRequestSubmit, form);
    } catch {
      call(formRequestSubmit, form); // the submitter left the form meanwhile
    }
  }
  function onSubmit(e) {
    const entry = call(mapGet, busyForms, realTarget(e));
    if (!entry) return;
    call(stopImmediate, e);
    call(preventDefault, e);
    entry.held ??= { submitter: call(submitterOf, e) };
  }
  defineProperty(HTMLFormElement.prototype, 'submit', {
    value: {
      submit() {
        const entry = call(mapGet, busyForms, this);
        if (!entry) return call(formSubmit, this);
        entry.held ??= { plain: true };
        return undefined;
      },
    }.submit,
    writable: true, enumerable: true, configurable: true,
  });

  async function readEntry(entry, prefix, out, protos) {
    if (entry.isFile) {
      protos.file = getPrototypeOf(entry);
      entryFile ??= method(entry, 'file');
      const file = await new Promise((resolve, reject) => call(entryFile, entry, resolve, reject));
      out[out.length] = { file, path: prefix + file.name };
    } else if (entry.isDirectory) {
      protos.dir = getPrototypeOf(entry);
      entryReader ??= method(entry, 'createReader');
      const reader = call(entryReader, entry);
      protos.reader = getPrototypeOf(reader);
      readEntries ??= method(reader, 'readEntries');
      for (;;) {
        const batch = await new Promise((resolve, reject) => call(readEntries, reader, resolve, reject));
        if (!batch.length) break;
        for (let i = 0; i < batch.length; i++) await readEntry(batch[i], `${prefix}${entry.name}/`, out, protos);
      }
    }
  }

  // Drop: files and folders.
  function onDrop(e) {
    if (!e.isTrusted || fromClosedRoot(e)) return;
    const dt = call(dragData, e);
    if (!dt || !typesOf(dt).includes('Files')) return;
    call(stopImmediate, e);
    call(preventDefault, e);
    const target = realTarget(e);
    const items = call(dtItems, dt);
    const entries = [];
    for (let i = 0; i < call(itemsLength, items); i++) {
      if (call(itemKind, items[i]) === 'file') entries[entries.length] = itemEntry ? call(itemEntry, items[i]) : null;
    }
    const plainFiles = listToArray(call(dtFiles, dt));
    const init = {
      bubbles: true, cancelable: true, composed: true, clientX: e.clientX, clientY: e.clientY,
      screenX: e.screenX, screenY: e.screenY, ctrlKey: e.ctrlKey, shiftKey: e.shiftKey, altKey: e.altKey, metaKey: e.metaKey,
    };
    const protos = { file: Object.prototype, dir: Object.prototype, reader: Object.prototype };
    (async () => {
      let picked = [];
      for (let i = 0; i < plainFiles.length; i++) picked[i] = { file: plainFiles[i], path: '' };
      if (entries.length && entries.every(Boolean) && entries.some((en) => en.isDirectory)) {
        picked = [];
        for (let i = 0; i < entries.length; i++) await readEntry(entries[i], '', picked, protos);
      } else if (entries[0]) {
        protos.file = getPrototypeOf(entries[0]);
      }
      const files = [];
      const paths = [];
      for (let i = 0; i < picked.length; i++) {
        files[i] = picked[i].file;
        paths[i] = picked[i].path;
      }
      const reply = await encrypt('drop', files, paths);
      const dt = transfer(withPaths(reply.files, reply.paths || []));
      call(dispatch, target, new NativeDragEvent('drop', { ...init, dataTransfer: withEntries(dt, reply.files, reply.paths || [], protos) }));
    })().catch((err) => console.warn('Cloak blocked this drop:', err.message));
  }

  // Paste: files on the clipboard (text passes through untouched).
  function onPaste(e) {
    if (!e.isTrusted || fromClosedRoot(e)) return;
    const cd = call(clipData, e);
    const files = cd ? listToArray(call(dtFiles, cd)) : [];
    if (!files.length) return;
    call(stopImmediate, e);
    call(preventDefault, e);
    const target = realTarget(e);
    const texts = typesOf(cd).filter((t) => t.startsWith('text/')).map((t) => [t, call(dtGetData, cd, t)]);
    const paths = [];
    for (let i = 0; i < files.length; i++) paths[i] = '';
    encrypt('paste', files, paths).then((reply) => {
      const dt = transfer(reply.files);
      for (const [t, v] of texts) call(dtSetData, dt, t, v);
      const ev = new NativeClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true, clipboardData: dt });
      // Firefox's constructor ignores clipboardData and gives the event an
      // empty one: there the event carries the encrypted files itself.
      if (call(clipData, ev) !== dt) defineProperty(ev, 'clipboardData', { get: () => dt, enumerable: true, configurable: true });
      call(dispatch, target, ev);
    }, (err) => console.warn('Cloak blocked this paste:', err.message));
  }

  // A file picker or a drag of files is about to hand the page files: have
  // the crypto frame and its worker start now, while the user picks.
  let warmed = false;
  function warm() {
    if (warmed || !port) return;
    warmed = true;
    call(postMessage, port, { type: 'warm' });
  }
  // An input the page never attaches (a library makes one, calls click() and
  // reads it in its own change listener), or one in a shadow root, fires its
  // events where `window` never sees them. So every file input about to open a
  // picker gets Cloak's listeners on itself, in the capture phase: at the
  // target those run before the page's own (bubbling) listeners.
  const armed = new WeakMap(); // input -> true once it has Cloak's listeners
  // Hosts of closed shadow roots: from outside, an event inside one names only
  // the host, so the root's own listeners (see attachShadow below) handle it.
  const closedHosts = new WeakMap();
  const fromClosedRoot = (e) => Boolean(call(weakMapGet, closedHosts, realTarget(e)));
  function arm(input) {
    warm();
    if (call(weakMapGet, armed, input)) return;
    call(weakMapSet, armed, input, true);
    call(listen, input, 'input', onInputEvent, true);
    call(listen, input, 'change', onInputEvent, true);
  }
  // A brand check through the native getter (it throws for anything but an
  // <input>), not instanceof, which a page can redefine.
  const isFileInput = (el) => {
    try {
      return call(inputType, el) === 'file';
    } catch {
      return false;
    }
  };
  function onClick(e) {
    const target = realTarget(e);
    if (isFileInput(target)) arm(target);
  }
  for (const name of ['click', 'showPicker']) {
    const native = HTMLInputElement.prototype[name];
    if (typeof native !== 'function') continue;
    const wrapped = {
      [name]() {
        if (isFileInput(this)) arm(this);
        return call(native, this);
      },
    }[name];
    defineProperty(HTMLInputElement.prototype, name, { value: wrapped, writable: true, enumerable: true, configurable: true });
  }
  function onDragEnter(e) {
    const dt = call(dragData, e);
    if (dt && typesOf(dt).includes('Files')) warm();
  }

  /** Cloak's capture listeners on `at`: the window, or a shadow root. */
  function listenAt(at) {
    call(listen, at, 'click', onClick, true);
    call(listen, at, 'dragenter', onDragEnter, true);
    call(listen, at, 'input', onInputEvent, true);
    call(listen, at, 'change', onInputEvent, true);
    call(listen, at, 'drop', onDrop, true);
    call(listen, at, 'paste', onPaste, true);
    call(listen, at, 'submit', onSubmit, true);
  }
  listenAt(window);

  // Inside a shadow root, `change` (not composed) never leaves the root, and
  // from outside a closed root no event names the input. Every shadow root the
  // page attaches gets Cloak's listeners first, before any of the page's.
  const nativeAttachShadow = Element.prototype.attachShadow;
  const shadowMode = getter(ShadowRoot.prototype, 'mode');
  defineProperty(Element.prototype, 'attachShadow', {
    value: {
      attachShadow(init) {
        const root = call(nativeAttachShadow, this, init);
        listenAt(root);
        if (call(shadowMode, root) === 'closed') call(weakMapSet, closedHosts, this, true);
        return root;
      },
    }.attachShadow,
    writable: true, enumerable: true, configurable: true,
  });

  // File System Access pickers (Chromium): the page gets handles whose getFile()
  // yields the encrypted file, and for a directory a read-only snapshot of the
  // encrypted tree. Writing through them is refused: what Cloak gave the page
  // is not the user's file.
  const HandleProto = typeof FileSystemFileHandle === 'function' ? FileSystemFileHandle.prototype : null;
  const DirProto = typeof FileSystemDirectoryHandle === 'function' ? FileSystemDirectoryHandle.prototype : null;
  const handleKind = HandleProto ? getter(FileSystemHandle.prototype, 'kind') : null;
  const handleName = HandleProto ? getter(FileSystemHandle.prototype, 'name') : null;
  const dirValues = DirProto ? DirProto.values : null;
  const refuse = (what) => Promise.reject(new DOMException(`Cloak gives the page a read-only copy; it cannot ${what}.`, 'NotAllowedError'));
  const granted = { value: async (opts) => (opts?.mode === 'readwrite' ? 'denied' : 'granted') };
  const common = (kind, name) => ({
    kind: { value: kind },
    name: { value: name },
    queryPermission: granted,
    requestPermission: granted,
    isSameEntry: { value: async function isSameEntry(other) { return other === this; } },
    remove: { value: () => refuse('remove it') },
    move: { value: () => refuse('move it') },
  });

  function fileHandle(file) {
    return Object.create(HandleProto, {
      ...common('file', file.name),
      getFile: { value: async () => file },
      createWritable: { value: () => refuse('write to it') },
      createSyncAccessHandle: { value: () => refuse('write to it') },
    });
  }

  /** A directory handle over `tree` (name -> File or nested Map). */
  function dirHandle(name, tree) {
    const child = (key) => {
      const v = tree.get(key);
      return v instanceof Map ? dirHandle(key, v) : fileHandle(v);
    };
    const lookup = (key, kind, opts) => {
      if (opts?.create) return refuse('create entries');
      if (!tree.has(key)) return Promise.reject(new DOMException(`${key} was not found.`, 'NotFoundError'));
      if ((tree.get(key) instanceof Map) !== (kind === 'directory')) {
        return Promise.reject(new DOMException(`${key} is not a ${kind}.`, 'TypeMismatchError'));
      }
      return Promise.resolve(child(key));
    };
    async function* entries() {
      for (const key of [...tree.keys()]) yield [key, child(key)];
    }
    async function* values() {
      for (const [, h] of entries()) yield h;
    }
    async function* keys() {
      for (const key of [...tree.keys()]) yield key;
    }
    return Object.create(DirProto, {
      ...common('directory', name),
      entries: { value: entries },
      values: { value: values },
      keys: { value: keys },
      [Symbol.asyncIterator]: { value: entries },
      getFileHandle: { value: (key, opts) => lookup(key, 'file', opts) },
      getDirectoryHandle: { value: (key, opts) => lookup(key, 'directory', opts) },
      removeEntry: { value: () => refuse('remove entries') },
      resolve: { value: async () => null },
    });
  }

  /** Every file under a native directory handle, with its folder path (['sub', 'deeper']). */
  async function walk(dir, folders, out) {
    const it = call(dirValues, dir);
    for (let step = await it.next(); !step.done; step = await it.next()) {
      const h = step.value;
      if (call(handleKind, h) === 'file') out.push({ file: await call(handleGetFile, h), folders });
      else await walk(h, [...folders, call(handleName, h)], out);
    }
    return out;
  }

  if (HandleProto && typeof window.showOpenFilePicker === 'function') {
    const nativePicker = window.showOpenFilePicker;
    window.showOpenFilePicker = async function showOpenFilePicker(options) {
      warm();
      const handles = await call(nativePicker, window, options);
      const files = [];
      for (let i = 0; i < handles.length; i++) files[i] = await call(handleGetFile, handles[i]);
      const reply = await encrypt('picker', files, files.map(() => ''));
      return reply.files.map(fileHandle);
    };
  }

  if (DirProto && dirValues && typeof window.showDirectoryPicker === 'function') {
    const nativeDirPicker = window.showDirectoryPicker;
    window.showDirectoryPicker = async function showDirectoryPicker(options) {
      warm();
      const root = await call(nativeDirPicker, window, options);
      const found = await walk(root, [], []);
      const files = found.map((f) => f.file);
      const reply = await encrypt('picker', files, files.map(() => ''));
      const tree = new Map();
      found.forEach(({ folders }, i) => placeInTree(tree, folders, reply.files[i]));
      return dirHandle(call(handleName, root), tree);
    };
  }
})();
