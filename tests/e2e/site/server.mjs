// The test storage site: a real Node server on 127.0.0.1 accepting uploads the
// ways real sites do (multipart form, fetch FormData, XHR, raw PUT, chunked
// resumable PUTs), storing what it receives, and scanning every request's URL,
// headers (base64 too) and body for plaintext markers.
import { createServer } from 'node:http';
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { EVENTS, Server as TusServer } from '@tus/server';
import { fileURLToPath } from 'node:url';
import Busboy from 'busboy';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../../..');
const PAGES = {
  '/': 'app.html', '/app.html': 'app.html', '/app.js': 'app.js', '/uppy.html': 'uppy.html', '/filepond.html': 'filepond.html',
  '/dropzone.html': 'dropzone.html', '/matrix.html': 'matrix.html',
};
const SESSION = randomBytes(12).toString('hex');
const SIGNING_KEY = randomBytes(32);
const VENDOR = {
  '/vendor/uppy.min.mjs': join(ROOT, 'node_modules/uppy/dist/uppy.min.mjs'),
  '/vendor/uppy.min.css': join(ROOT, 'node_modules/uppy/dist/uppy.min.css'),
  '/vendor/filepond.esm.min.js': join(ROOT, 'node_modules/filepond/dist/filepond.esm.min.js'),
  '/vendor/filepond.min.css': join(ROOT, 'node_modules/filepond/dist/filepond.min.css'),
  '/vendor/dropzone.mjs': join(ROOT, 'node_modules/dropzone/dist/dropzone.mjs'),
  '/vendor/dropzone.css': join(ROOT, 'node_modules/dropzone/dist/dropzone.css'),
};

export class StorageSite {
  constructor() {
    this.markers = [];
    this.stored = new Map(); // name -> Buffer
    this.hits = [];
    this.chunked = new Map(); // upload id -> {name, size, parts}
    this.zoneChunks = new Map(); // Dropzone upload id -> chunks by index
    this.requests = 0;
    this.streamed = new Map(); // name -> {path, size, sha256}
    this.streamedBytes = 0; // received by streamed uploads, finished or not
    this.served = new Map(); // name -> {bytes | path, size}
    this.downloadLog = []; // {path, status}
  }

  /**
   * Offers `bytes` (or the file at `path`) for download as `name`; returns the
   * link styles' URLs. With `stallAfter`, every response stops sending after
   * that many bytes of the file and never ends. With `later`, ranges that do not
   * start at 0 are served from `later`: the file was replaced on the server
   * while it was being downloaded.
   */
  offer(name, { bytes, path, size, stallAfter, later }) {
    this.served.set(name, { bytes, path, size: bytes ? bytes.length : size, stallAfter, later });
    const n = encodeURIComponent(name);
    const exp = Date.now() + 10 * 60_000;
    const sig = createHmac('sha256', SIGNING_KEY).update(`${name}|${exp}`).digest('hex');
    return {
      direct: `${this.url}/dl/direct/${n}`,
      attachment: `${this.url}/dl/attach?name=${n}`,
      signed: `${this.url}/dl/signed/${n}?exp=${exp}&sig=${sig}`,
      cookie: `${this.url}/dl/private/${n}`,
      once: `${this.url}/dl/once/${n}?token=${randomBytes(8).toString('hex')}`,
      post: `${this.url}/dl/post`,
    };
  }

  /** Serves a download; every link style ends here once its check passed. */
  async serveDownload(req, res, url) {
    const parts = url.pathname.split('/'); // ['', 'dl', style, name]
    const style = parts[2];
    let name = parts[3] ? decodeURIComponent(parts[3]) : url.searchParams.get('name');
    if (style === 'post') name = new URLSearchParams((await this.body(req)).toString()).get('name');
    let item = this.served.get(name);
    const deny = (status) => {
      this.downloadLog.push({ path: url.pathname, style, status });
      res.writeHead(status).end();
    };
    if (!item) return deny(404);
    if (style === 'post' && req.method !== 'POST') return deny(405);
    if (style === 'signed') {
      const exp = Number(url.searchParams.get('exp'));
      const sig = createHmac('sha256', SIGNING_KEY).update(`${name}|${exp}`).digest('hex');
      if (sig !== url.searchParams.get('sig') || exp < Date.now()) return deny(403);
    }
    if (style === 'private' && !String(req.headers.cookie || '').includes(`session=${SESSION}`)) return deny(401);
    if (style === 'once') {
      const token = url.searchParams.get('token');
      this.usedTokens ??= new Set();
      if (this.usedTokens.has(token)) return deny(410);
      this.usedTokens.add(token);
    }
    // Byte ranges, as storage providers serve them (a single `bytes=a-b` range).
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    const start = range ? Number(range[1]) : 0;
    if (start > 0 && item.later) item = { ...item, bytes: item.later, size: item.later.length };
    const end = range && range[2] ? Math.min(Number(range[2]), item.size - 1) : item.size - 1;
    if (range && start >= item.size) return deny(416);
    const status = range ? 206 : 200;
    this.downloadLog.push({ path: url.pathname, style, status, range: req.headers.range });
    const headers = {
      'content-type': 'application/octet-stream', 'content-length': end - start + 1,
      'accept-ranges': 'bytes', etag: `"${item.size}-${name.length}"`,
    };
    if (range) headers['content-range'] = `bytes ${start}-${end}/${item.size}`;
    if (style !== 'direct') headers['content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
    res.writeHead(status, headers);
    if (item.stallAfter !== undefined) res.write(item.bytes.subarray(start, Math.max(start, item.stallAfter)));
    else if (item.bytes) res.end(item.bytes.subarray(start, end + 1));
    else createReadStream(item.path, { start, end }).pipe(res);
    return undefined;
  }

  /** Strings that must never reach the server; base64 forms are checked too. */
  watch(markers) {
    this.markers = markers.flatMap((m) => [m, Buffer.from(m).toString('base64').replace(/=+$/, '')]);
  }

  reset() {
    this.multipartPosts = [];
    this.stored.clear();
    this.hits = [];
    this.chunked.clear();
    this.zoneChunks.clear();
  }

  scan(where, data) {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
    for (const m of this.markers) {
      if (buf.includes(m) || buf.includes(Buffer.from(m.toLowerCase()))) this.hits.push({ where, marker: m });
    }
  }

  /** A real tus server (@tus/server + @tus/file-store) at /files/. */
  startTus() {
    this.tusDir = mkdtempSync(join(tmpdir(), 'cloak-tus-'));
    this.tus = new TusServer({ path: '/files', datastore: new FileStore({ directory: this.tusDir }) });
    this.tus.on(EVENTS.POST_FINISH, async (_req, _res, upload) => {
      const data = await readFile(join(this.tusDir, upload.id));
      this.scan('tus stored file', data);
      this.stored.set(upload.metadata?.filename || upload.id, data);
    });
  }

  /** Bytes received by tus uploads in progress or done. */
  tusBytes() {
    let n = 0;
    for (const f of readdirSync(this.tusDir)) if (!f.endsWith('.json')) n += statSync(join(this.tusDir, f)).size;
    return n;
  }

  async start() {
    this.startTus();
    this.streamDir = mkdtempSync(join(tmpdir(), 'cloak-stream-'));
    this.server = createServer((req, res) => this.handle(req, res).catch((err) => {
      res.writeHead(500).end(String(err));
    }));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  async stop() {
    this.server.closeAllConnections?.();
    await new Promise((resolve) => this.server.close(resolve));
    await rm(this.tusDir, { recursive: true, force: true });
    await rm(this.streamDir, { recursive: true, force: true });
  }

  async body(req) {
    const parts = [];
    for await (const chunk of req) parts.push(chunk);
    return Buffer.concat(parts);
  }

  async handle(req, res) {
    this.requests++;
    const url = new URL(req.url, this.url);
    this.scan(`url ${req.method} ${url.pathname}`, decodeURIComponent(req.url));
    for (const [k, v] of Object.entries(req.headers)) {
      this.scan(`header ${k}`, v);
      // tus-style metadata carries base64 values
      for (const piece of String(v).split(/[ ,]+/)) {
        if (/^[A-Za-z0-9+/=]{8,}$/.test(piece)) this.scan(`header ${k} (base64)`, Buffer.from(piece, 'base64'));
      }
    }
    if (url.pathname.startsWith('/dl/')) {
      await this.serveDownload(req, res, url);
      return;
    }
    if (url.pathname === '/login') {
      res.writeHead(200, { 'set-cookie': `session=${SESSION}; Path=/; HttpOnly; SameSite=Lax`, 'content-type': 'text/html' })
        .end('<!doctype html><title>Signed in</title><p>Signed in.</p>');
      return;
    }
    if (url.pathname.startsWith('/files')) {
      await this.tus.handle(req, res);
      return;
    }
    if (req.method === 'GET' && VENDOR[url.pathname]) {
      const type = url.pathname.endsWith('.css') ? 'text/css' : 'text/javascript';
      res.writeHead(200, { 'content-type': type }).end(await readFile(VENDOR[url.pathname]));
      return;
    }
    if (req.method === 'GET' && PAGES[url.pathname]) {
      const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
      res.writeHead(200, { 'content-type': type }).end(await readFile(join(HERE, PAGES[url.pathname])));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/upload/multipart') {
      const names = await this.multipart(req);
      (this.multipartPosts ??= []).push(names);
      res.writeHead(url.searchParams.has('redirect') ? 303 : 200, {
        'content-type': 'application/json', location: '/app.html?done=1',
      }).end(JSON.stringify({ stored: names }));
      return;
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/upload/raw/')) {
      const name = decodeURIComponent(url.pathname.slice('/upload/raw/'.length));
      const body = await this.body(req);
      this.scan('body raw', body);
      this.stored.set(name, body);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ stored: [name] }));
      return;
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/upload/stream/')) {
      // Large uploads: streamed to disk and hashed, scanned with an overlap so a
      // marker split across two reads is still found.
      const name = decodeURIComponent(url.pathname.slice('/upload/stream/'.length));
      const path = join(this.streamDir, `${this.streamed.size}.bin`);
      const hash = createHash('sha256');
      let tail = Buffer.alloc(0);
      let size = 0;
      const site = this;
      try {
        // pipeline, so that a failed write (a full disk) fails the upload
        // instead of storing a truncated file under a 201.
        await pipeline(req, async function* inspect(body) {
          for await (const chunk of body) {
            const window = Buffer.concat([tail, chunk]);
            site.scan('body stream', window);
            tail = window.subarray(Math.max(0, window.length - 128));
            hash.update(chunk);
            size += chunk.length;
            site.streamedBytes += chunk.length;
            yield chunk;
          }
        }, createWriteStream(path));
      } catch (err) {
        res.writeHead(507).end(String(err));
        return;
      }
      this.streamed.set(name, { path, size, sha256: hash.digest('hex') });
      res.writeHead(201).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/upload/chunked') {
      // Announce: {name, size} -> id
      const meta = JSON.parse((await this.body(req)).toString() || '{}');
      this.scan('body announce', JSON.stringify(meta));
      const id = `u${this.chunked.size + 1}`;
      this.chunked.set(id, { name: String(meta.name), size: Number(meta.size), parts: [], received: 0 });
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
      return;
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/upload/chunked/')) {
      const up = this.chunked.get(url.pathname.split('/')[3]);
      const offset = Number(url.searchParams.get('offset'));
      const body = await this.body(req);
      this.scan('body chunk', body);
      if (!up || offset !== up.received) {
        res.writeHead(409).end();
        return;
      }
      up.parts.push(body);
      up.received += body.length;
      if (up.received === up.size) this.stored.set(up.name, Buffer.concat(up.parts));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received: up.received }));
      return;
    }
    res.writeHead(404).end();
  }

  multipart(req) {
    return new Promise((resolve, reject) => {
      const files = [];
      const fields = {};
      const bb = Busboy({ headers: req.headers, limits: { fileSize: Infinity } });
      bb.on('file', (_field, stream, info) => {
        const parts = [];
        stream.on('data', (d) => parts.push(d));
        stream.on('end', () => {
          const data = Buffer.concat(parts);
          this.scan('body multipart file', data);
          this.scan('multipart filename', info.filename);
          files.push({ name: info.filename, data });
        });
      });
      bb.on('field', (name, value) => {
        this.scan(`multipart field ${name}`, value);
        fields[name] = value;
      });
      bb.on('close', () => resolve(files.map(({ name, data }) => this.storeMultipartFile(name, data, fields))));
      bb.on('error', reject);
      req.pipe(bb);
    });
  }

  /**
   * Stores a multipart file; a chunk of a Dropzone chunked upload (fields
   * dzuuid, dzchunkindex, dztotalchunkcount, dzchunkbyteoffset) is kept until
   * every chunk of its file has arrived, then stored as the whole file.
   */
  storeMultipartFile(name, data, fields) {
    if (fields.dzuuid === undefined) {
      this.stored.set(name, data);
      return name;
    }
    const chunks = this.zoneChunks.get(fields.dzuuid) ?? new Map();
    this.zoneChunks.set(fields.dzuuid, chunks);
    chunks.set(Number(fields.dzchunkindex), { offset: Number(fields.dzchunkbyteoffset), data });
    if (chunks.size === Number(fields.dztotalchunkcount)) {
      const ordered = [...chunks.values()].sort((a, b) => a.offset - b.offset);
      this.stored.set(name, Buffer.concat(ordered.map((c) => c.data)));
      this.zoneChunks.delete(fields.dzuuid);
    }
    return name;
  }
}
