// Page code for the adversarial matrix (tests/e2e/matrix.test.mjs), evaluated
// in a page's realm as a string: `window.__cell` with
//   install(win, sink)  generated tripwires over win's intrinsics and DOM
//   probe(doc, channel) a page that takes the user's files the way real pages do
//   collect(markers)    which reached Files or Blobs hold a plaintext marker
// Everything here runs as the *page*: it is what a hostile or careless site
// could do after Cloak's hook ran.

function pageLib() {
  if (window.__cell) return;
  const RApply = Reflect.apply;
  const RConstruct = Reflect.construct;
  const OwnKeys = Reflect.ownKeys;
  const GOPD = Object.getOwnPropertyDescriptor;
  const DP = Object.defineProperty;
  const SetProto = Object.setPrototypeOf;
  const blobSize = GOPD(Blob.prototype, 'size').get;
  const blobText = Blob.prototype.text;
  const fileName = GOPD(File.prototype, 'name').get;
  const listLength = GOPD(FileList.prototype, 'length').get;
  const listItem = FileList.prototype.item;
  const dtFiles = GOPD(DataTransfer.prototype, 'files').get;
  const dtItems = GOPD(DataTransfer.prototype, 'items').get;
  const itemsLength = GOPD(DataTransferItemList.prototype, 'length').get;
  const itemGetAsFile = DataTransferItem.prototype.getAsFile;
  const dragData = GOPD(DragEvent.prototype, 'dataTransfer').get;
  const clipData = GOPD(ClipboardEvent.prototype, 'clipboardData').get;
  const messageData = GOPD(MessageEvent.prototype, 'data').get;
  const inputFiles = GOPD(HTMLInputElement.prototype, 'files').get;
  const brand = (getter, v) => {
    try {
      RApply(getter, v, []);
      return true;
    } catch {
      return false;
    }
  };
  let paused = false; // while collect() reads what was reached
  const add = (arr, v) => DP(arr, arr.length, { value: v, writable: true, enumerable: true, configurable: true });

  /** Everything a wrapped call's `this` and arguments reach, down to Blobs. */
  function reach(v, depth, found) {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || depth > 3) return;
    if (brand(blobSize, v)) {
      add(found, v);
      return;
    }
    const take = (getter, self) => {
      try {
        reach(RApply(getter, self, []), depth + 1, found);
      } catch { /* not that kind of object */ }
    };
    if (brand(listLength, v)) {
      const n = RApply(listLength, v, []);
      for (let i = 0; i < n; i++) reach(RApply(listItem, v, [i]), depth + 1, found);
      return;
    }
    if (brand(dtFiles, v)) {
      take(dtFiles, v);
      take(dtItems, v);
      return;
    }
    if (brand(itemsLength, v)) {
      const n = RApply(itemsLength, v, []);
      for (let i = 0; i < n; i++) {
        try {
          reach(RApply(itemGetAsFile, v[i], []), depth + 1, found);
        } catch { /* a string item */ }
      }
      return;
    }
    take(dragData, v);
    take(clipData, v);
    take(messageData, v);
    take(inputFiles, v);
    let keys;
    try {
      keys = OwnKeys(v);
    } catch { return; } // a revoked proxy
    for (let i = 0; i < keys.length && i < 64; i++) {
      const d = GOPD(v, keys[i]);
      if (d && 'value' in d) reach(d.value, depth + 1, found);
    }
  }

  const NAMES = ['Object', 'Function', 'Reflect', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Symbol',
    'File', 'Blob', 'FileList', 'FileReader', 'FormData', 'Event', 'UIEvent', 'MouseEvent', 'DragEvent', 'ClipboardEvent',
    'InputEvent', 'SubmitEvent', 'MessageEvent', 'MessagePort', 'MessageChannel', 'DataTransfer', 'DataTransferItem',
    'DataTransferItemList', 'HTMLInputElement', 'HTMLFormElement', 'HTMLElement', 'Element', 'Node', 'EventTarget',
    'Document', 'ShadowRoot', 'FileSystemEntry', 'FileSystemFileEntry', 'FileSystemDirectoryEntry',
    'FileSystemDirectoryReader', 'FileSystemHandle', 'FileSystemFileHandle', 'FileSystemDirectoryHandle'];
  const GLOBALS = NAMES.slice(10); // DOM constructors are replaced too; the language's own are not
  const SKIP = new Set(['constructor', 'prototype', 'caller', 'arguments', 'callee', 'length', 'name']);

  /**
   * Wraps every own function and accessor of the standard intrinsics and the
   * DOM file, event, DataTransfer, form and input interfaces of `win` (and its
   * prototypes), and the DOM globals themselves, plus index setters 0–7 on
   * Array.prototype. Each wrapper records the Blobs its `this` and arguments
   * reach into `sink`, then does what the original does. Returns how many.
   */
  function install(win, sink) {
    if (win.__tripwires) return win.__tripwires;
    let inside = false;
    let count = 0;
    const note = (where, self, args) => {
      if (inside || paused) return;
      inside = true;
      try {
        const found = [];
        reach(self, 0, found);
        for (let i = 0; i < args.length; i++) reach(args[i], 0, found);
        for (let i = 0; i < found.length; i++) add(sink, { blob: found[i], where });
      } finally {
        inside = false;
      }
    };
    const wrapFn = (orig, where) => {
      const wrapper = function (...args) {
        note(where, this, args);
        return new.target ? RConstruct(orig, args, new.target) : RApply(orig, this, args);
      };
      return wrapper;
    };
    const wrapOwn = (obj, owner) => {
      for (const key of OwnKeys(obj)) {
        const where = `${owner}.${String(key)}`;
        if (SKIP.has(key)) continue;
        const d = GOPD(obj, key);
        if (!d.configurable) continue;
        if (typeof d.value === 'function') {
          DP(obj, key, { ...d, value: wrapFn(d.value, where) });
          count++;
        } else if (d.get || d.set) {
          DP(obj, key, { ...d, get: d.get && wrapFn(d.get, `get ${where}`), set: d.set && wrapFn(d.set, `set ${where}`) });
          count++;
        }
      }
    };
    for (const name of NAMES) {
      const ctor = win[name];
      if (!ctor) continue;
      wrapOwn(ctor, name);
      if (ctor.prototype) wrapOwn(ctor.prototype, `${name}.prototype`);
    }
    for (const name of GLOBALS) {
      const ctor = win[name];
      if (typeof ctor !== 'function') continue;
      const wrapper = wrapFn(ctor, `global ${name}`);
      wrapper.prototype = ctor.prototype;
      SetProto(wrapper, ctor);
      DP(win, name, { value: wrapper, writable: true, configurable: true, enumerable: false });
      count++;
    }
    for (let i = 0; i < 8; i++) {
      DP(win.Array.prototype, i, {
        configurable: true,
        get: () => undefined,
        set(v) {
          note(`Array.prototype[${i}]`, this, [v]);
          DP(this, i, { value: v, writable: true, enumerable: true, configurable: true });
        },
      });
      count++;
    }
    DP(win, '__tripwires', { value: count });
    return count;
  }

  /** What the page itself received: every File its listeners could reach. */
  const got = [];
  const names = [];
  function keep(file) {
    add(got, file);
    add(names, RApply(fileName, file, []));
  }
  function keepList(list) {
    if (!list) return;
    for (let i = 0; i < RApply(listLength, list, []); i++) keep(RApply(listItem, list, [i]));
  }

  /**
   * The page side of one cell: makes the channel's target in `doc` and listens
   * as real upload code does. For a detached or shadow input the element is
   * kept as `window.__cellTarget`.
   */
  function probe(doc, channel) {
    const win = doc.defaultView || window;
    const input = () => {
      const el = doc.createElement('input');
      el.type = 'file';
      el.multiple = true;
      el.addEventListener('change', () => keepList(el.files));
      el.addEventListener('input', () => keepList(el.files));
      return el;
    };
    win.addEventListener('change', (e) => keepList(e.target.files), true);
    if (channel === 'input') {
      const el = input();
      el.id = 'cell-input';
      doc.body.append(el);
    } else if (channel === 'detached') {
      window.__cellTarget = input();
    } else if (channel === 'shadow-closed') {
      const host = doc.createElement('div');
      doc.body.append(host);
      const root = host.attachShadow({ mode: 'closed' });
      const el = input();
      root.append(el);
      window.__cellTarget = el;
      win.__cellTarget = el; // for a driver in the element's own frame
    } else if (channel === 'drop') {
      const zone = doc.createElement('div');
      zone.id = 'cell-drop';
      zone.style.cssText = 'width:300px;height:120px;background:#ddd';
      doc.body.prepend(zone);
      for (const type of ['dragenter', 'dragover']) zone.addEventListener(type, (e) => e.preventDefault());
      const onDrop = (e) => {
        e.preventDefault();
        const dt = e.dataTransfer;
        keepList(dt.files);
        for (const item of dt.items) {
          const f = item.getAsFile();
          if (f) keep(f);
          const entry = item.webkitGetAsEntry?.();
          if (entry?.isFile) entry.file(keep);
        }
      };
      zone.addEventListener('drop', onDrop);
      win.addEventListener('drop', (e) => keepList(e.dataTransfer?.files), true);
    } else if (channel === 'paste') {
      const zone = doc.createElement('div');
      zone.id = 'cell-paste';
      zone.contentEditable = 'true';
      zone.textContent = 'paste here';
      doc.body.prepend(zone);
      const onPaste = (e) => {
        const cd = e.clipboardData;
        keepList(cd.files);
        for (const item of cd.items) {
          const f = item.kind === 'file' ? item.getAsFile() : null;
          if (f) keep(f);
        }
      };
      zone.addEventListener('paste', onPaste);
      win.addEventListener('paste', (e) => keepList(e.clipboardData?.files), true);
    }
  }

  /**
   * Reads every File the page got and every Blob a tripwire reached; returns
   * the page's file names and the reached Blobs that hold a plaintext marker.
   */
  async function collect(markers, sink) {
    paused = true;
    const leaks = [];
    const all = [...got.map((blob) => ({ blob, where: 'the page listener' })), ...sink];
    for (const { blob, where } of all) {
      const text = await RApply(blobText, blob, []);
      const hit = markers.find((m) => text.includes(m));
      if (hit) leaks.push(`${brand(fileName, blob) ? RApply(fileName, blob, []) : 'a Blob'} via ${where} (${hit})`);
    }
    return { names: [...names], reached: sink.length, leaks: [...new Set(leaks)] };
  }

  const sink = [];
  window.__cell = {
    sink,
    install: (win) => install(win || window, sink),
    probe: (doc, channel) => probe(doc || document, channel),
    collect: (markers) => collect(markers, sink),
  };
}

/** The page library as a string to evaluate in a realm (frame.evaluate(PAGE_LIB)). */
export const PAGE_LIB = `(${pageLib})()`;
