// A storage site's upload code, one technique per ?mode=. It records what it
// observed so tests can check the page only ever saw encrypted Files.
const mode = new URLSearchParams(location.search).get('mode') || 'fetch';
// ?walk: the drop zone walks dropped folders through webkitGetAsEntry(), as
// Uppy and Dropzone do, and uploads each file under its path.
const walkEntries = new URLSearchParams(location.search).has('walk');
window.seen = [];
window.uploaded = 0;
window.failed = [];

function note(event, files) {
  window.seen.push({
    event: event.type, trusted: event.isTrusted,
    files: Array.from(files || [], (f) => ({ name: f.name, size: f.size, type: f.type, lastModified: f.lastModified, path: f.webkitRelativePath })),
  });
}

async function sendFile(file, path = file.webkitRelativePath || file.name) {
  const how = walkEntries ? 'put' : mode;
  if (how === 'fetch' || how === 'drop' || how === 'paste') {
    const fd = new FormData();
    fd.append('upload', file, file.name);
    const r = await fetch('/upload/multipart', { method: 'POST', body: fd });
    if (!r.ok) throw new Error(`upload ${r.status}`);
  } else if (how === 'xhr') {
    await new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const fd = new FormData();
      fd.append('upload', file);
      xhr.upload.onprogress = (e) => window.seen.push({ event: 'progress', loaded: e.loaded, total: e.total });
      xhr.onload = () => (xhr.status === 200 ? resolve() : reject(new Error(`xhr ${xhr.status}`)));
      xhr.onerror = () => reject(new Error('xhr failed'));
      xhr.open('POST', '/upload/multipart');
      xhr.send(fd);
    });
  } else if (how === 'stream') {
    const r = await fetch(`/upload/stream/${encodeURIComponent(file.name)}`, { method: 'PUT', body: file });
    if (!r.ok) throw new Error(`stream ${r.status}`);
  } else if (how === 'put' || how === 'folder') {
    const r = await fetch(`/upload/raw/${encodeURIComponent(path)}`, { method: 'PUT', body: file, headers: { 'content-type': file.type || 'application/octet-stream' } });
    if (!r.ok) throw new Error(`put ${r.status}`);
  } else if (how === 'chunked') {
    // Announce the total size first, then send slices, resumable-upload style.
    const a = await fetch('/upload/chunked', { method: 'POST', body: JSON.stringify({ name: file.name, size: file.size }) });
    const { id } = await a.json();
    const step = 64 * 1024;
    for (let at = 0; at < file.size || at === 0; at += step) {
      const r = await fetch(`/upload/chunked/${id}?offset=${at}`, { method: 'PUT', body: file.slice(at, at + step) });
      if (!r.ok) throw new Error(`chunk ${r.status}`);
      if (file.size === 0) break;
    }
  }
}

async function upload(files, paths = []) {
  for (const [i, f] of files.entries()) {
    try {
      await sendFile(f, paths[i]);
      window.uploaded++;
    } catch (err) {
      window.failed.push(String(err));
    }
  }
}

for (const id of ['picker', 'folder', 'form-file']) {
  const input = document.getElementById(id);
  input.addEventListener('input', (e) => note(e, input.files));
  input.addEventListener('change', (e) => {
    note(e, input.files);
    if (id !== 'form-file') upload(Array.from(input.files));
  });
}
const drop = document.getElementById('drop');
drop.addEventListener('dragover', (e) => e.preventDefault());
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  if (!walkEntries) {
    note(e, e.dataTransfer.files);
    upload(Array.from(e.dataTransfer.files));
    return;
  }
  // Entries must be taken during the event; they are walked afterwards.
  const entries = Array.from(e.dataTransfer.items).filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry());
  walk(entries).then(({ files, paths }) => {
    window.seen.push({
      event: e.type, trusted: e.isTrusted, entries: entries.map((en) => en && { name: en.name, isDirectory: en.isDirectory, fullPath: en.fullPath }),
      files: files.map((f, i) => ({ name: f.name, size: f.size, path: paths[i] })),
    });
    upload(files, paths);
  }, (err) => window.failed.push(String(err)));
});

/** Every file under `entries`, with its path ('folder/sub/name'). */
async function walk(entries) {
  const files = [];
  const paths = [];
  const readAll = (reader) => new Promise((resolve, reject) => {
    const out = [];
    const next = () => reader.readEntries((batch) => {
      if (!batch.length) return resolve(out);
      out.push(...batch);
      return next();
    }, reject);
    next();
  });
  const visit = async (entry) => {
    if (entry.isFile) {
      files.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
      paths.push(entry.fullPath.replace(/^\//, ''));
    } else {
      for (const child of await readAll(entry.createReader())) await visit(child);
    }
  };
  for (const entry of entries) if (entry) await visit(entry);
  return { files, paths };
}
document.addEventListener('paste', (e) => {
  const files = Array.from(e.clipboardData?.files || []);
  note(e, files);
  if (files.length) upload(files);
});

// File System Access pickers, where the browser has them: files, and a folder
// walked the way a site walks it, each file uploaded under its path.
window.pickFiles = async () => {
  const handles = await window.showOpenFilePicker({ multiple: true });
  const files = await Promise.all(handles.map((h) => h.getFile()));
  note({ type: 'picker', isTrusted: true }, files);
  await upload(files);
};
window.pickFolder = async () => {
  const root = await window.showDirectoryPicker();
  const files = [];
  const paths = [];
  const walk = async (dir, prefix) => {
    for await (const [name, h] of dir.entries()) {
      if (h.kind === 'file') {
        files.push(await h.getFile());
        paths.push(`${prefix}${name}`);
      } else {
        await walk(h, `${prefix}${name}/`);
      }
    }
  };
  await walk(root, `${root.name}/`);
  note({ type: 'folder-picker', isTrusted: true }, files);
  await upload(files, paths);
};
