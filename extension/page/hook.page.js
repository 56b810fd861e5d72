// Cloak page hook (MAIN world, document_start). It holds no key and no WASM:
// it only takes the File objects a user hands the page (file inputs, drop,
// paste, File System Access pickers), keeps them from every page listener,
// passes them over a private MessagePort to Cloak's isolated content script,
// and hands the page the encrypted Files instead, re-dispatching the same
// events. On any failure the page gets no file at all.
//
// The hook shares the page's JavaScript world, so everything it calls after
// the prelude below is a native captured before any page script existed
// (Node's primordials do the same): no method looked up on a page-reachable
// object, no `instanceof`, iteration, spread or `await` — each of those
// resolves an intrinsic the page can patch later. eslint enforces it
// (eslint.config.js, `extension/page/`).
(() => {
  'use strict';

  /* eslint-disable no-restricted-syntax, no-restricted-globals -- the prelude */
  const ReflectApply = Reflect.apply;
  const ObjectDefineProperty = Object.defineProperty;
  const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const ObjectGetPrototypeOf = Object.getPrototypeOf;
  const ObjectSetPrototypeOf = Object.setPrototypeOf;
  const ObjectCreate = Object.create;
  const ObjectHasOwn = Object.hasOwn;
  const ObjectKeys = Object.keys;
  const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
  if (ObjectHasOwn(window, '__cloakHook')) return;
  ObjectDefineProperty(window, '__cloakHook', { __proto__: null, value: true });

  /** `fn` called with `self` as `this`: the one way the hook calls a method. */
  const call = (fn, self, ...args) => ReflectApply(fn, self, args);
  /** A field of a property descriptor, read only if it is the descriptor's own. */
  const field = (desc, key) => (desc !== undefined && ObjectHasOwn(desc, key) ? desc[key] : undefined);
  const getterOf = (proto, name) => field(ObjectGetOwnPropertyDescriptor(proto, name), 'get');
  /** A getter or method `name` found on `obj`'s prototype chain, read without invoking anything. */
  function lookUp(obj, name) {
    for (let at = ObjectGetPrototypeOf(obj); at !== null; at = ObjectGetPrototypeOf(at)) {
      const desc = ObjectGetOwnPropertyDescriptor(at, name);
      if (desc !== undefined) return field(desc, 'get') ?? field(desc, 'value');
    }
    return undefined;
  }
  const optional = (ctor) => (typeof ctor === 'function' ? ctor.prototype : null);

  const EventTargetAddEventListener = EventTarget.prototype.addEventListener;
  const EventTargetDispatchEvent = EventTarget.prototype.dispatchEvent;
  const EventStopImmediatePropagation = Event.prototype.stopImmediatePropagation;
  const EventPreventDefault = Event.prototype.preventDefault;
  const EventComposedPath = Event.prototype.composedPath;
  const EventTarget_ = getterOf(Event.prototype, 'target');
  const MouseEventKeys = ['clientX', 'clientY', 'screenX', 'screenY', 'ctrlKey', 'shiftKey', 'altKey', 'metaKey'];
  const MouseEventGetters = { __proto__: null };
  for (const key of MouseEventKeys) MouseEventGetters[key] = getterOf(MouseEvent.prototype, key);
  const MessageEventData = getterOf(MessageEvent.prototype, 'data');
  const MessageEventPorts = getterOf(MessageEvent.prototype, 'ports');
  const MessagePortPostMessage = MessagePort.prototype.postMessage;
  const MessagePortSetOnmessage = field(ObjectGetOwnPropertyDescriptor(MessagePort.prototype, 'onmessage'), 'set');
  const InputFiles = ObjectGetOwnPropertyDescriptor(HTMLInputElement.prototype, 'files');
  const InputFilesGet = field(InputFiles, 'get');
  const InputFilesSet = field(InputFiles, 'set');
  const InputType = getterOf(HTMLInputElement.prototype, 'type');
  const InputForm = getterOf(HTMLInputElement.prototype, 'form');
  const InputClick = HTMLInputElement.prototype.click;
  const InputShowPicker = HTMLInputElement.prototype.showPicker;
  const FormRequestSubmit = HTMLFormElement.prototype.requestSubmit;
  const FormSubmit = HTMLFormElement.prototype.submit;
  const SubmitEventSubmitter = getterOf(SubmitEvent.prototype, 'submitter');
  const FileListLength = getterOf(FileList.prototype, 'length');
  const FileListItem = FileList.prototype.item;
  const FileName = getterOf(File.prototype, 'name');
  const FileRelativePath = getterOf(File.prototype, 'webkitRelativePath');
  const BlobType = getterOf(Blob.prototype, 'type');
  const NativeDataTransfer = DataTransfer;
  const DataTransferFiles = getterOf(DataTransfer.prototype, 'files');
  const DataTransferTypes = getterOf(DataTransfer.prototype, 'types');
  const DataTransferItems = getterOf(DataTransfer.prototype, 'items');
  const DataTransferGetData = DataTransfer.prototype.getData;
  const DataTransferSetData = DataTransfer.prototype.setData;
  const ItemListProto = DataTransferItemList.prototype;
  const ItemListLength = getterOf(ItemListProto, 'length');
  const ItemListAdd = ItemListProto.add;
  const ItemProto = DataTransferItem.prototype;
  const ItemKind = getterOf(ItemProto, 'kind');
  const ItemGetAsEntry = ItemProto.webkitGetAsEntry;
  const ItemGetAsHandle = ItemProto.getAsFileSystemHandle;
  const DragEventDataTransfer = getterOf(DragEvent.prototype, 'dataTransfer');
  const ClipboardEventData = getterOf(ClipboardEvent.prototype, 'clipboardData');
  const NativeEvent = Event;
  const NativeDragEvent = DragEvent;
  const NativeClipboardEvent = ClipboardEvent;
  const NativeDOMException = DOMException;
  const NativeMap = Map;
  const MapGet = Map.prototype.get;
  const MapSet = Map.prototype.set;
  const MapHas = Map.prototype.has;
  const MapDelete = Map.prototype.delete;
  const NativeWeakMap = WeakMap;
  const WeakMapGet = WeakMap.prototype.get;
  const WeakMapSet = WeakMap.prototype.set;
  const WeakMapHas = WeakMap.prototype.has;
  const WeakMapDelete = WeakMap.prototype.delete;
  const NativePromise = Promise;
  const PromiseThen = Promise.prototype.then;
  const StringSplit = String.prototype.split;
  const StringStartsWith = String.prototype.startsWith;
  const PromiseResolve = Promise.resolve;
  const PromiseReject = Promise.reject;
  const ObjectPrototype = Object.prototype;
  const SetTimeout = setTimeout;
  const ConsoleWarn = console.warn;
  const TheConsole = console;
  const ElementAttachShadow = Element.prototype.attachShadow;
  const ShadowRootMode = getterOf(ShadowRoot.prototype, 'mode');
  const DocumentOpen = Document.prototype.open;
  const DocumentWrite = Document.prototype.write;
  const DocumentWriteln = Document.prototype.writeln;
  const DocumentReadyState = getterOf(Document.prototype, 'readyState');
  const DocumentDefaultView = getterOf(Document.prototype, 'defaultView');
  const DocumentCreateElement = Document.prototype.createElement;
  // Frames whose own hook cannot run (a sandbox without allow-scripts) are
  // reached through these: the getters' natives, per element kind.
  const FrameGetters = ObjectSetPrototypeOf([], null);
  for (const ctor of [HTMLIFrameElement, HTMLFrameElement, HTMLObjectElement]) {
    FrameGetters[FrameGetters.length] = {
      __proto__: null,
      tag: ctor === HTMLIFrameElement ? 'iframe' : ctor === HTMLFrameElement ? 'frame' : 'object',
      contentWindow: getterOf(ctor.prototype, 'contentWindow'),
      contentDocument: getterOf(ctor.prototype, 'contentDocument'),
    };
  }
  // Dropped folders (webkitGetAsEntry). Firefox exposes these interfaces;
  // Chromium does not, so there they are taken from the first dropped entry
  // (docs/SECURITY.md): no page can reach them before a user's drop.
  const entryNatives = { __proto__: null, isFile: null, isDirectory: null, name: null, file: null, createReader: null, readEntries: null };
  for (const [proto, name, kind] of [
    [optional(globalThis.FileSystemEntry), 'isFile', 'get'], [optional(globalThis.FileSystemEntry), 'isDirectory', 'get'],
    [optional(globalThis.FileSystemEntry), 'name', 'get'], [optional(globalThis.FileSystemFileEntry), 'file', 'value'],
    [optional(globalThis.FileSystemDirectoryEntry), 'createReader', 'value'],
    [optional(globalThis.FileSystemDirectoryReader), 'readEntries', 'value'],
  ]) {
    if (proto) entryNatives[name] = field(ObjectGetOwnPropertyDescriptor(proto, name), kind) ?? null;
  }
  // File System Access (Chromium).
  const HandleProto = optional(globalThis.FileSystemFileHandle);
  const DirProto = optional(globalThis.FileSystemDirectoryHandle);
  const HandleKind = HandleProto && getterOf(FileSystemHandle.prototype, 'kind');
  const HandleName = HandleProto && getterOf(FileSystemHandle.prototype, 'name');
  const HandleGetFile = HandleProto && HandleProto.getFile;
  const DirValues = DirProto && DirProto.values;
  const nativeOpenPicker = typeof window.showOpenFilePicker === 'function' ? window.showOpenFilePicker : null;
  const nativeDirPicker = typeof window.showDirectoryPicker === 'function' ? window.showDirectoryPicker : null;
  const SymbolIterator = Symbol.iterator;
  const SymbolAsyncIterator = Symbol.asyncIterator;
  /* eslint-enable no-restricted-syntax, no-restricted-globals */

  // --- Helpers over the primordials. ---

  /** An array with no prototype: no page-defined index setter or method applies to it. */
  const list = () => ObjectSetPrototypeOf([], null);
  /** Appends `value` to `arr` as an own property (a page's Array.prototype setter never sees it). */
  const push = (arr, value) => {
    ObjectDefineProperty(arr, arr.length, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  };
  /** A property descriptor that reads nothing from Object.prototype. */
  const fixed = (value) => ({ __proto__: null, value });
  const own = (obj, key) => (obj !== null && typeof obj === 'object' ? field(ObjectGetOwnPropertyDescriptor(obj, key), 'value') : undefined);
  const warn = (what, reason) => call(ConsoleWarn, TheConsole, what, reason);
  const later = (fn, value) => call(SetTimeout, window, () => fn(value), 0);
  const domError = (message, name) => new NativeDOMException(message, name);
  const listen = (at, type, fn) => call(EventTargetAddEventListener, at, type, fn, true);
  const stop = (e) => {
    call(EventStopImmediatePropagation, e);
    call(EventPreventDefault, e);
  };
  /** A brand check through a native getter: it throws for anything but a real File. */
  const isFile = (f) => {
    try {
      call(FileName, f);
      return true;
    } catch {
      return false;
    }
  };
  /** A brand check through the native getter (it throws for anything but an <input>). */
  const isFileInput = (el) => {
    try {
      return call(InputType, el) === 'file';
    } catch {
      return false;
    }
  };
  const realTarget = (e) => call(EventComposedPath, e)[0] || call(EventTarget_, e);
  const nameOf = (file) => call(FileName, file);

  function listToArray(fileList) {
    const out = list();
    const n = call(FileListLength, fileList);
    for (let i = 0; i < n; i++) push(out, call(FileListItem, fileList, i));
    return out;
  }

  function hasFiles(dt) {
    const types = call(DataTransferTypes, dt);
    if (!types) return false;
    for (let i = 0; i < types.length; i++) if (types[i] === 'Files') return true;
    return false;
  }

  /**
   * Calls `ok` with what the native promise `p` resolves to. The promise gets
   * an own `constructor`, so `then` asks the page for no species constructor.
   */
  function settle(p, ok, fail) {
    ObjectDefineProperty(p, 'constructor', fixed(undefined));
    call(PromiseThen, p, ok, fail);
  }

  // --- The private channel. ---

  const busy = new NativeWeakMap(); // input -> request id while its selection is encrypted
  const waiting = new NativeMap(); // request id -> { done, fail }
  let port = null;
  let nextId = 1;

  // The isolated bridge hands over a port synchronously, at document_start,
  // before any page script exists to see it.
  listen(window, 'cloak:bridge-port', (e) => {
    const ports = call(MessageEventPorts, e);
    if (port || !ports || ports.length !== 1) return;
    stop(e); // preventDefault tells the bridge the port arrived
    port = ports[0];
    call(MessagePortSetOnmessage, port, onReply);
  });
  call(EventTargetDispatchEvent, window, new NativeEvent('cloak:hook-ready'));

  function onReply(e) {
    const msg = call(MessageEventData, e);
    if (own(msg, 'type') === 'ping') { // the popup's status check: only this hook can answer
      const nonce = own(msg, 'nonce');
      if (typeof nonce === 'string') call(MessagePortPostMessage, port, { __proto__: null, type: 'pong', nonce });
      return;
    }
    const id = own(msg, 'id');
    if (typeof id !== 'number' || !call(MapHas, waiting, id)) return;
    const job = call(MapGet, waiting, id);
    call(MapDelete, waiting, id);
    const files = own(msg, 'files');
    const paths = own(msg, 'paths');
    const { done, fail } = job;
    if (own(msg, 'type') === 'encrypted' && validReply(files, paths)) {
      done(files, paths || list());
    } else {
      const message = own(msg, 'message');
      fail(typeof message === 'string' ? message : 'Cloak could not encrypt');
    }
  }

  function validReply(files, paths) {
    if (!files || typeof files.length !== 'number') return false;
    for (let i = 0; i < files.length; i++) if (!isFile(files[i])) return false;
    return paths === undefined || (paths && paths.length === files.length);
  }

  /** Has `files` encrypted by Cloak; `done(files, paths)` gets the .cloak Files, or `fail(reason)`. */
  function encrypt(kind, files, paths, done, fail) {
    if (!port) {
      fail('Cloak is not ready in this frame');
      return;
    }
    const id = nextId++;
    call(MapSet, waiting, id, { __proto__: null, done, fail });
    call(MessagePortPostMessage, port, { __proto__: null, type: 'encrypt', id, kind, files, paths });
  }

  function withPaths(files, paths) {
    for (let i = 0; i < files.length; i++) {
      if (paths[i]) {
        ObjectDefineProperty(files[i], 'webkitRelativePath', { __proto__: null, value: paths[i], enumerable: true });
      }
    }
    return files;
  }

  function transfer(files) {
    const dt = new NativeDataTransfer();
    const items = call(DataTransferItems, dt);
    for (let i = 0; i < files.length; i++) call(ItemListAdd, items, files[i]);
    return dt;
  }
  const noFiles = () => call(DataTransferFiles, new NativeDataTransfer());

  // --- What the page is handed: trees of encrypted files. ---

  // A tree is a folder: its child names in order, and name -> { file } or { tree }.
  const newTree = () => ({ __proto__: null, names: list(), children: new NativeMap() });
  const childOf = (tree, name) => call(MapGet, tree.children, name);
  function addChild(tree, name, node) {
    if (!call(MapHas, tree.children, name)) push(tree.names, name);
    call(MapSet, tree.children, name, node);
  }

  /** `records` ({ file, path }) as the parallel lists encrypt() takes. */
  function filesAndPaths(records) {
    const files = list();
    const paths = list();
    for (let i = 0; i < records.length; i++) {
      push(files, records[i].file);
      push(paths, records[i].path);
    }
    return { __proto__: null, files, paths };
  }

  /** The tree of the encrypted files, under the paths Cloak gave them (or their names). */
  function sealedTree(sealed, sealedPaths) {
    const tree = newTree();
    for (let i = 0; i < sealed.length; i++) placeInTree(tree, sealedPaths[i] || nameOf(sealed[i]), sealed[i]);
    return tree;
  }

  /** Puts `file` into `tree` under the folders of `path` ("a/b/name"). */
  function placeInTree(tree, path, file) {
    const parts = call(StringSplit, path, '/');
    let at = tree;
    for (let i = 0; i < parts.length - 1; i++) {
      const node = childOf(at, parts[i]);
      if (node && node.tree) {
        at = node.tree;
      } else {
        const sub = newTree();
        addChild(at, parts[i], { __proto__: null, tree: sub, file: null });
        at = sub;
      }
    }
    addChild(at, nameOf(file), { __proto__: null, tree: null, file });
  }

  // What a real drop offers besides `files`: items whose webkitGetAsEntry()
  // walks the dropped tree (Uppy, Dropzone and storage sites walk folders so).
  // A page-made DataTransfer has no entries in Chromium, so the re-dispatched
  // drop carries read-only ones over the encrypted files, one item per
  // dropped file or folder. `protos` holds the native prototypes seen in the
  // user's drop, so the copies pass the page's instanceof checks.
  const notFound = (error, path) => error && later(error, domError(`${path} was not found.`, 'NotFoundError'));

  function fileEntry(file, fullPath, protos) {
    return ObjectCreate(protos.file, {
      __proto__: null,
      isFile: fixed(true), isDirectory: fixed(false), name: fixed(nameOf(file)), fullPath: fixed(fullPath),
      file: fixed((success) => later(success, file)),
      getParent: fixed((success, error) => notFound(error, 'the parent')),
    });
  }

  function entryOf(name, fullPath, node, protos) {
    return node.tree ? dirEntry(name, fullPath, node.tree, protos) : fileEntry(node.file, fullPath, protos);
  }

  function dirEntry(name, fullPath, tree, protos) {
    const child = (key) => entryOf(key, `${fullPath}/${key}`, childOf(tree, key), protos);
    const lookup = (isDir) => (path, options, success, error) => {
      const node = childOf(tree, path);
      if (node === undefined || Boolean(node.tree) !== isDir || (options && own(options, 'create'))) notFound(error, path);
      else if (success) later(success, child(path));
    };
    return ObjectCreate(protos.dir, {
      __proto__: null,
      isFile: fixed(false), isDirectory: fixed(true), name: fixed(name), fullPath: fixed(fullPath),
      createReader: fixed(() => {
        let read = false;
        return ObjectCreate(protos.reader, {
          __proto__: null,
          readEntries: fixed((success) => {
            const batch = [];
            if (!read) for (let i = 0; i < tree.names.length; i++) push(batch, child(tree.names[i]));
            read = true;
            later(success, batch);
          }),
        });
      }),
      getFile: fixed(lookup(false)),
      getDirectory: fixed(lookup(true)),
      getParent: fixed((success, error) => notFound(error, 'the parent')),
    });
  }

  /** Gives `dt` one item per top-level file or folder of `tree`. */
  function withEntries(dt, tree, protos) {
    const items = list();
    for (let i = 0; i < tree.names.length; i++) {
      const name = tree.names[i];
      const node = childOf(tree, name);
      const entry = entryOf(name, `/${name}`, node, protos);
      const props = {
        __proto__: null,
        kind: fixed('file'), type: fixed(node.tree ? '' : call(BlobType, node.file)),
        getAsFile: fixed(() => node.file),
        getAsString: fixed(() => {}),
        webkitGetAsEntry: fixed(() => entry),
      };
      if (ItemGetAsHandle && HandleProto) {
        props.getAsFileSystemHandle = fixed(async () => (node.tree ? dirHandle(name, node.tree) : fileHandle(node.file)));
      }
      push(items, ObjectCreate(ItemProto, props));
    }
    const values = () => {
      let i = 0;
      return { next: () => (i < items.length ? { value: items[i++], done: false } : { value: undefined, done: true }) };
    };
    const props = { __proto__: null, length: fixed(items.length), [SymbolIterator]: fixed(values) };
    for (let i = 0; i < items.length; i++) props[i] = { __proto__: null, value: items[i], enumerable: true };
    const itemList = ObjectCreate(ItemListProto, props);
    ObjectDefineProperty(dt, 'items', { __proto__: null, get: () => itemList, enumerable: true, configurable: true });
    return dt;
  }

  // File System Access: the page gets handles whose getFile() yields the
  // encrypted file, and for a directory a read-only snapshot of the encrypted
  // tree. Writing through them is refused: what Cloak gave the page is not the
  // user's file.
  const refuse = (what) => call(PromiseReject, NativePromise, domError(`Cloak gives the page a read-only copy; it cannot ${what}.`, 'NotAllowedError'));
  const granted = fixed(async (opts) => (opts && own(opts, 'mode') === 'readwrite' ? 'denied' : 'granted'));
  function handleProps(kind, name, extra) {
    const props = {
      __proto__: null,
      kind: fixed(kind),
      name: fixed(name),
      queryPermission: granted,
      requestPermission: granted,
      isSameEntry: fixed(async function isSameEntry(other) { return other === this; }),
      remove: fixed(() => refuse('remove it')),
      move: fixed(() => refuse('move it')),
    };
    const keys = ObjectKeys(extra);
    for (let i = 0; i < keys.length; i++) props[keys[i]] = extra[keys[i]];
    const symbols = ObjectGetOwnPropertySymbols(extra);
    for (let i = 0; i < symbols.length; i++) props[symbols[i]] = extra[symbols[i]];
    return props;
  }

  function fileHandle(file) {
    return ObjectCreate(HandleProto, handleProps('file', nameOf(file), {
      __proto__: null,
      getFile: fixed(async () => file),
      createWritable: fixed(() => refuse('write to it')),
      createSyncAccessHandle: fixed(() => refuse('write to it')),
    }));
  }

  /** A directory handle over `tree`. */
  function dirHandle(name, tree) {
    const child = (key) => {
      const node = childOf(tree, key);
      return node.tree ? dirHandle(key, node.tree) : fileHandle(node.file);
    };
    const lookup = (key, kind, opts) => {
      if (opts && own(opts, 'create')) return refuse('create entries');
      const node = childOf(tree, key);
      if (node === undefined) return call(PromiseReject, NativePromise, domError(`${key} was not found.`, 'NotFoundError'));
      if (Boolean(node.tree) !== (kind === 'directory')) return call(PromiseReject, NativePromise, domError(`${key} is not a ${kind}.`, 'TypeMismatchError'));
      return call(PromiseResolve, NativePromise, child(key));
    };
    async function* entries() {
      for (let i = 0; i < tree.names.length; i++) yield [tree.names[i], child(tree.names[i])];
    }
    async function* values() {
      for (let i = 0; i < tree.names.length; i++) yield child(tree.names[i]);
    }
    async function* keys() {
      for (let i = 0; i < tree.names.length; i++) yield tree.names[i];
    }
    return ObjectCreate(DirProto, handleProps('directory', name, {
      __proto__: null,
      entries: fixed(entries),
      values: fixed(values),
      keys: fixed(keys),
      [SymbolAsyncIterator]: fixed(entries),
      getFileHandle: fixed((key, opts) => lookup(key, 'file', opts)),
      getDirectoryHandle: fixed((key, opts) => lookup(key, 'directory', opts)),
      removeEntry: fixed(() => refuse('remove entries')),
      resolve: fixed(async () => null),
    }));
  }

  // --- Channels. ---

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
    const selected = call(InputFilesGet, input);
    const files = selected ? listToArray(selected) : list();
    const pending = call(WeakMapHas, busy, input);
    if (!files.length) {
      // The second event of a selection Cloak took (its input is emptied
      // meanwhile), or a cancelled picker: nothing to protect.
      if (pending) call(EventStopImmediatePropagation, e);
      return;
    }
    call(EventStopImmediatePropagation, e);
    const paths = list();
    for (let i = 0; i < files.length; i++) push(paths, call(FileRelativePath, files[i]) || '');
    // The page never sees plaintext: a JS uploader reading the input while
    // Cloak encrypts finds it empty. A new selection while busy replaces the
    // pending one, whose result is then dropped.
    call(InputFilesSet, input, noFiles());
    const id = nextId;
    call(WeakMapSet, busy, input, id);
    if (!pending) formBusy(input, +1);
    const current = () => call(WeakMapGet, busy, input) === id;
    encrypt('input', files, paths, (sealed, sealedPaths) => {
      if (!current()) return;
      call(InputFilesSet, input, call(DataTransferFiles, transfer(withPaths(sealed, sealedPaths))));
      call(WeakMapDelete, busy, input);
      call(EventTargetDispatchEvent, input, new NativeEvent('input', { __proto__: null, bubbles: true, composed: true }));
      call(EventTargetDispatchEvent, input, new NativeEvent('change', { __proto__: null, bubbles: true }));
      formBusy(input, -1, true);
    }, (reason) => {
      if (!current()) return;
      call(WeakMapDelete, busy, input);
      warn('Cloak blocked this upload:', reason);
      formBusy(input, -1, false);
    });
  }

  // Forms whose file inputs are still being encrypted: a submit (the user's
  // click, requestSubmit() or form.submit()) is held, and made once, with the
  // same submitter, when every input of the form has its .cloak files. Repeated
  // submits are absorbed; if encryption fails the held submit is dropped, so
  // the form never goes out without the user's files or with plaintext.
  const busyForms = new NativeMap(); // form -> { count, ok, held: null | { by: submitter, plain } }
  function formBusy(input, delta, ok) {
    const form = call(InputForm, input);
    if (!form) return;
    let entry = call(MapGet, busyForms, form);
    if (!entry) {
      entry = { __proto__: null, count: 0, ok: true, held: null };
      call(MapSet, busyForms, form, entry);
    }
    entry.count += delta;
    if (ok === false) entry.ok = false;
    if (entry.count > 0) return;
    call(MapDelete, busyForms, form);
    const held = entry.held;
    if (!held) return;
    if (!entry.ok) {
      warn('Cloak did not send this form:', 'encrypting its files failed.');
      return;
    }
    if (held.plain) {
      call(FormSubmit, form);
      return;
    }
    try {
      if (held.by) call(FormRequestSubmit, form, held.by);
      else call(FormRequestSubmit, form);
    } catch {
      call(FormRequestSubmit, form); // the submitter left the form meanwhile
    }
  }
  function onSubmit(e) {
    const entry = call(MapGet, busyForms, realTarget(e));
    if (!entry) return;
    stop(e);
    entry.held ??= { __proto__: null, by: call(SubmitEventSubmitter, e), plain: false };
  }
  const submitWrapper = {
    submit() {
      const entry = call(MapGet, busyForms, this);
      if (!entry) return call(FormSubmit, this);
      entry.held ??= { __proto__: null, by: null, plain: true };
      return undefined;
    },
  }.submit;

  /**
   * Learns the natives of a dropped entry on first sight (Chromium; Firefox
   * has them from its interfaces): the shared getters from any entry, `file`
   * from a file entry and `createReader` from a folder, before Cloak ever hands
   * the page an object with their prototype.
   */
  function learn(entry) {
    const take = (name) => {
      entryNatives[name] ??= lookUp(entry, name) ?? null;
      return entryNatives[name];
    };
    take('name');
    if (call(take('isFile'), entry)) take('file');
    if (call(take('isDirectory'), entry)) take('createReader');
  }
  const entryNative = (entry, name) => {
    learn(entry);
    return entryNatives[name];
  };

  /**
   * Reads the dropped `entries` in order into `out` ({ file, path } records),
   * then calls `done`; `fail(reason)` on the first error. Callbacks only: a
   * promise resolved with a File would look up `then` on it, which a page can define.
   */
  function readEntries(entries, prefix, out, protos, done, fail) {
    let i = 0;
    const step = () => {
      if (i >= entries.length) done();
      else readEntry(entries[i++], prefix, out, protos, step, fail);
    };
    step();
  }

  function readEntry(entry, prefix, out, protos, done, fail) {
    const failed = () => fail('a dropped file could not be read');
    if (call(entryNative(entry, 'isFile'), entry)) {
      protos.file = ObjectGetPrototypeOf(entry);
      call(entryNative(entry, 'file'), entry, (file) => {
        push(out, { __proto__: null, file, path: prefix + nameOf(file) });
        done();
      }, failed);
    } else if (call(entryNative(entry, 'isDirectory'), entry)) {
      protos.dir = ObjectGetPrototypeOf(entry);
      const reader = call(entryNative(entry, 'createReader'), entry);
      entryNatives.readEntries ??= lookUp(reader, 'readEntries') ?? null;
      protos.reader = ObjectGetPrototypeOf(reader);
      const inner = `${prefix}${call(entryNative(entry, 'name'), entry)}/`;
      const more = () => call(entryNatives.readEntries, reader, (batch) => {
        if (batch.length) readEntries(batch, inner, out, protos, more, fail);
        else done();
      }, failed);
      more();
    } else {
      done();
    }
  }

  // Drop: files and folders.
  function onDrop(e) {
    if (!e.isTrusted || fromClosedRoot(e)) return;
    const dt = call(DragEventDataTransfer, e);
    if (!dt || !hasFiles(dt)) return;
    stop(e);
    const target = realTarget(e);
    const items = call(DataTransferItems, dt);
    const entries = list();
    let folders = false;
    let allEntries = true;
    const n = call(ItemListLength, items);
    for (let i = 0; i < n; i++) {
      if (call(ItemKind, items[i]) !== 'file') continue;
      const entry = ItemGetAsEntry ? call(ItemGetAsEntry, items[i]) : null;
      if (!entry) allEntries = false;
      else if (call(entryNative(entry, 'isDirectory'), entry)) folders = true;
      push(entries, entry);
    }
    const plainFiles = listToArray(call(DataTransferFiles, dt));
    const pointer = { __proto__: null };
    for (let i = 0; i < MouseEventKeys.length; i++) pointer[MouseEventKeys[i]] = call(MouseEventGetters[MouseEventKeys[i]], e);
    const redrop = (dataTransfer) => {
      const init = { __proto__: null, bubbles: true, cancelable: true, composed: true, dataTransfer };
      for (let i = 0; i < MouseEventKeys.length; i++) init[MouseEventKeys[i]] = pointer[MouseEventKeys[i]];
      call(EventTargetDispatchEvent, target, new NativeDragEvent('drop', init));
    };
    const protos = { __proto__: null, file: ObjectPrototype, dir: ObjectPrototype, reader: ObjectPrototype };
    const failed = (reason) => warn('Cloak blocked this drop:', reason);
    const send = (picked) => {
      if (!picked.length) { // an empty folder: nothing to encrypt, nothing of the user's to hand over
        redrop(new NativeDataTransfer());
        return;
      }
      const { files, paths } = filesAndPaths(picked);
      encrypt('drop', files, paths, (sealed, sealedPaths) => {
        redrop(withEntries(transfer(withPaths(sealed, sealedPaths)), sealedTree(sealed, sealedPaths), protos));
      }, failed);
    };
    if (entries.length && allEntries && folders) {
      const picked = list();
      readEntries(entries, '', picked, protos, () => send(picked), failed);
    } else {
      if (entries.length && entries[0]) protos.file = ObjectGetPrototypeOf(entries[0]);
      const picked = list();
      for (let i = 0; i < plainFiles.length; i++) push(picked, { __proto__: null, file: plainFiles[i], path: '' });
      send(picked);
    }
  }

  // Paste: files on the clipboard (text passes through untouched).
  function onPaste(e) {
    if (!e.isTrusted || fromClosedRoot(e)) return;
    const cd = call(ClipboardEventData, e);
    const files = cd ? listToArray(call(DataTransferFiles, cd)) : list();
    if (!files.length) return;
    stop(e);
    const target = realTarget(e);
    const texts = list();
    const types = call(DataTransferTypes, cd);
    for (let i = 0; i < types.length; i++) {
      if (call(StringStartsWith, types[i], 'text/')) push(texts, { __proto__: null, mime: types[i], value: call(DataTransferGetData, cd, types[i]) });
    }
    const paths = list();
    for (let i = 0; i < files.length; i++) push(paths, '');
    encrypt('paste', files, paths, (sealed) => {
      const dt = transfer(sealed);
      for (let i = 0; i < texts.length; i++) call(DataTransferSetData, dt, texts[i].mime, texts[i].value);
      const ev = new NativeClipboardEvent('paste', { __proto__: null, bubbles: true, cancelable: true, composed: true, clipboardData: dt });
      // Firefox's constructor ignores clipboardData and gives the event an
      // empty one: there the event carries the encrypted files itself.
      if (call(ClipboardEventData, ev) !== dt) {
        ObjectDefineProperty(ev, 'clipboardData', { __proto__: null, get: () => dt, enumerable: true, configurable: true });
      }
      call(EventTargetDispatchEvent, target, ev);
    }, (reason) => warn('Cloak blocked this paste:', reason));
  }

  // A file picker or a drag of files is about to hand the page files: have
  // the crypto frame and its worker start now, while the user picks.
  let warmed = false;
  function warm() {
    if (warmed || !port) return;
    warmed = true;
    call(MessagePortPostMessage, port, { __proto__: null, type: 'warm' });
  }
  // An input the page never attaches (a library makes one, calls click() and
  // reads it in its own change listener), or one in a shadow root, fires its
  // events where `window` never sees them. So every file input about to open a
  // picker gets Cloak's listeners on itself, in the capture phase: at the
  // target those run before the page's own (bubbling) listeners.
  const armed = new NativeWeakMap(); // input -> true once it has Cloak's listeners
  // Hosts of closed shadow roots: from outside, an event inside one names only
  // the host, so the root's own listeners (see attachShadow below) handle it.
  const closedHosts = new NativeWeakMap();
  const fromClosedRoot = (e) => Boolean(call(WeakMapGet, closedHosts, realTarget(e)));
  function arm(input) {
    warm();
    if (call(WeakMapGet, armed, input)) return;
    call(WeakMapSet, armed, input, true);
    listen(input, 'input', onInputEvent);
    listen(input, 'change', onInputEvent);
  }
  function onClick(e) {
    const target = realTarget(e);
    if (isFileInput(target)) arm(target);
  }
  const opener = (name, native) => ({
    [name]() {
      if (isFileInput(this)) arm(this);
      return call(native, this);
    },
  }[name]);
  const clickWrapper = opener('click', InputClick);
  const showPickerWrapper = typeof InputShowPicker === 'function' ? opener('showPicker', InputShowPicker) : null;
  function onDragEnter(e) {
    const dt = call(DragEventDataTransfer, e);
    if (dt && hasFiles(dt)) warm();
  }

  /** Cloak's capture listeners on `at`: the window, or a shadow root. */
  function listenAt(at) {
    listen(at, 'click', onClick);
    listen(at, 'dragenter', onDragEnter);
    listen(at, 'input', onInputEvent);
    listen(at, 'change', onInputEvent);
    listen(at, 'drop', onDrop);
    listen(at, 'paste', onPaste);
    listen(at, 'submit', onSubmit);
    listen(at, 'load', onFrameLoad);
  }

  // document.open() erases every listener of the document's window, Cloak's
  // too; write() on a finished document opens it implicitly. The window gets
  // Cloak's listeners back before any markup written into it runs.
  const viewOf = (doc) => {
    const view = call(DocumentDefaultView, doc);
    return view && (view === window || call(WeakMapHas, adopted, view)) ? view : null;
  };
  const reopen = (self, args) => {
    const result = ReflectApply(DocumentOpen, self, args);
    const view = viewOf(self);
    if (view) listenAt(view);
    return result;
  };
  const openWrapper = { open(...args) { return reopen(this, args); } }.open;
  const writer = (name, native) => ({
    [name](...args) {
      if (viewOf(this) && call(DocumentReadyState, this) !== 'loading') reopen(this, list());
      return ReflectApply(native, this, args);
    },
  }[name]);
  const writeWrapper = writer('write', DocumentWrite);
  const writelnWrapper = writer('writeln', DocumentWriteln);

  // Inside a shadow root, `change` (not composed) never leaves the root, and
  // from outside a closed root no event names the input. Every shadow root the
  // page attaches gets Cloak's listeners first, before any of the page's.
  const attachShadowWrapper = {
    attachShadow(init) {
      const root = call(ElementAttachShadow, this, init);
      listenAt(root);
      if (call(ShadowRootMode, root) === 'closed') call(WeakMapSet, closedHosts, this, true);
      return root;
    },
  }.attachShadow;

  // A same-origin frame whose own hook cannot run (sandboxed without
  // allow-scripts: no script of its own runs there, but its parent scripts
  // it) is adopted: the frame's prototypes and window get the same wrappers
  // and listeners, working with this realm's natives and port. It is adopted
  // when it loads (a capture listener sees every frame's load event before
  // the page's own) and whenever the page asks an element for its frame.
  const adopted = new NativeWeakMap(); // window -> true
  function adopt(win) {
    try {
      if (!win || win === window || ObjectHasOwn(win, '__cloakHook') || call(WeakMapHas, adopted, win)) return;
    } catch {
      return; // another origin's frame: its own hook runs there, or it gets no file
    }
    call(WeakMapSet, adopted, win, true);
    protect(win);
  }
  function onFrameLoad(e) {
    const el = realTarget(e);
    for (let i = 0; i < FrameGetters.length; i++) {
      try {
        adopt(call(FrameGetters[i].contentWindow, el));
        return;
      } catch { /* not this kind of element */ }
    }
  }

  const defineMethod = (obj, name, value) => {
    ObjectDefineProperty(obj, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  };
  /** The nearest object on `proto`'s chain that owns `name`. */
  const ownerOf = (proto, name) => {
    for (let at = proto; at !== null; at = ObjectGetPrototypeOf(at)) if (ObjectHasOwn(at, name)) return at;
    return null;
  };

  /** Gives the realm of `win` Cloak's wrappers and `win` its listeners. */
  function protect(win) {
    const doc = win.document;
    const protoOf = (tag) => ObjectGetPrototypeOf(call(DocumentCreateElement, doc, tag));
    const input = protoOf('input');
    defineMethod(input, 'click', clickWrapper);
    if (showPickerWrapper) defineMethod(input, 'showPicker', showPickerWrapper);
    defineMethod(protoOf('form'), 'submit', submitWrapper);
    defineMethod(ownerOf(input, 'attachShadow'), 'attachShadow', attachShadowWrapper);
    const docProto = ownerOf(ObjectGetPrototypeOf(doc), 'open');
    defineMethod(docProto, 'open', openWrapper);
    defineMethod(docProto, 'write', writeWrapper);
    defineMethod(docProto, 'writeln', writelnWrapper);
    for (let i = 0; i < FrameGetters.length; i++) {
      const kind = FrameGetters[i];
      const proto = protoOf(kind.tag);
      const accessor = (get) => ({ __proto__: null, get, enumerable: true, configurable: true });
      ObjectDefineProperty(proto, 'contentWindow', accessor(getterOf({
        get contentWindow() {
          const w = call(kind.contentWindow, this);
          adopt(w);
          return w;
        },
      }, 'contentWindow')));
      ObjectDefineProperty(proto, 'contentDocument', accessor(getterOf({
        get contentDocument() {
          const d = call(kind.contentDocument, this);
          if (d) adopt(call(DocumentDefaultView, d));
          return d;
        },
      }, 'contentDocument')));
    }
    wrapPickers(win);
    listenAt(win);
  }

  /**
   * Every file under a native directory handle with its path, in order, then
   * `done`. The async iterator's `next` comes from the first iterator: Chromium
   * exposes no interface for it (docs/SECURITY.md).
   */
  let IteratorNext = null;
  function walk(dir, prefix, out, done, fail) {
    const it = call(DirValues, dir);
    IteratorNext ??= lookUp(it, 'next');
    const step = () => settle(call(IteratorNext, it), (result) => {
      if (own(result, 'done')) {
        done();
        return;
      }
      const h = own(result, 'value');
      const name = call(HandleName, h);
      if (call(HandleKind, h) === 'file') {
        settle(call(HandleGetFile, h), (file) => {
          push(out, { __proto__: null, file, path: prefix + name });
          step();
        }, fail);
      } else {
        walk(h, `${prefix}${name}/`, out, step, fail);
      }
    }, fail);
    step();
  }

  /** A page-facing promise: `run(resolve, reject)`; the picker's own errors pass through to the page. */
  const promised = (run) => new NativePromise((resolve, reject) => run(resolve, (reason) => {
    reject(typeof reason === 'string' ? domError(reason, 'AbortError') : reason);
  }));

  /** File System Access pickers on `win` that hand the page encrypted files. */
  function wrapPickers(win) {
    if (HandleProto && nativeOpenPicker) defineMethod(win, 'showOpenFilePicker', openPickerFor(win));
    if (DirProto && DirValues && nativeDirPicker) defineMethod(win, 'showDirectoryPicker', dirPickerFor(win));
  }

  function openPickerFor(win) {
    return function showOpenFilePicker(options) {
      warm();
      return promised((resolve, reject) => settle(call(nativeOpenPicker, win, options), (handles) => {
        const files = list();
        const paths = list();
        let i = 0;
        const next = () => {
          if (i < handles.length) {
            settle(call(HandleGetFile, handles[i++]), (file) => {
              push(files, file);
              push(paths, '');
              next();
            }, reject);
            return;
          }
          encrypt('picker', files, paths, (sealed) => {
            const out = [];
            for (let k = 0; k < sealed.length; k++) push(out, fileHandle(sealed[k]));
            resolve(out);
          }, reject);
        };
        next();
      }, reject));
    };
  }

  function dirPickerFor(win) {
    return function showDirectoryPicker(options) {
      warm();
      return promised((resolve, reject) => settle(call(nativeDirPicker, win, options), (root) => {
        // Paths start with the picked folder's name, as a folder input's do,
        // so that "Hide file names" hides it too.
        const found = list();
        walk(root, `${call(HandleName, root)}/`, found, () => {
          if (!found.length) {
            resolve(dirHandle(call(HandleName, root), newTree()));
            return;
          }
          const { files, paths } = filesAndPaths(found);
          encrypt('picker', files, paths, (sealed, sealedPaths) => {
            const top = sealedTree(sealed, sealedPaths);
            const name = top.names[0];
            const node = name === undefined ? null : childOf(top, name);
            resolve(node && node.tree ? dirHandle(name, node.tree) : dirHandle(call(HandleName, root), newTree()));
          }, reject);
        }, reject);
      }, reject));
    };
  }

  protect(window);
})();
