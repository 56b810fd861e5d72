// A minimal static file server on 127.0.0.1 for browser tests.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './browsers.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};

/** Serves files under `root`; resolves to {url, close}. */
export async function serveStatic(root) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path.includes('..')) {
      res.writeHead(400).end();
      return;
    }
    try {
      const body = await readFile(join(root, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Launches `browserName` (no extension) on a page of this repository, served
 * from 127.0.0.1 by serveStatic; resolves to {page, close}.
 */
export async function openRepoPage(browserName, path) {
  const server = await serveStatic(REPO);
  let browser;
  try {
    browser = await launch(browserName);
    const page = await browser.newPage();
    await page.goto(`${server.url}${path}`);
    return {
      page,
      async close() {
        await browser.dispose();
        await server.close();
      },
    };
  } catch (err) {
    await browser?.dispose();
    await server.close();
    throw err;
  }
}
