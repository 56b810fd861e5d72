// Fixture files with unique markers, and checking what the server stored with
// the real `cloak` CLI.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PASSPHRASE, ROOT } from './cloak.mjs';

export const CLI = join(ROOT, 'target/release/cloak');

// Every temporary directory made here is removed when the test process exits.
const made = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * Writes `count` files of `size` bytes (a number, or a function of the file's
 * index), each full of its own marker; returns {dir, files, markers}.
 */
export function makeFixtures(count = 1, size = 40_000, { nameMarker = false } = {}) {
  const dir = tempDir('cloak-fixtures-');
  const files = [];
  const markers = [];
  for (let i = 0; i < count; i++) {
    const marker = `PLAINTEXT-MARKER-${randomBytes(6).toString('hex')}`;
    const name = nameMarker ? `${marker}.txt` : `report-${i}.txt`;
    const line = Buffer.from(`${marker} confidential line ${i}\n`);
    const bytes = typeof size === 'function' ? size(i) : size;
    const body = Buffer.alloc(bytes);
    for (let at = 0; at < bytes; at += line.length) line.copy(body, at);
    writeFileSync(join(dir, name), body);
    files.push({ name, path: join(dir, name), body });
    markers.push(marker);
  }
  return { dir, files, markers };
}

/** Decrypts `bytes` with the CLI and key file JSON; returns {name, body}. */
export function cliDecrypt(keyFileJson, bytes) {
  const work = tempDir('cloak-check-');
  writeFileSync(join(work, 'key.json'), keyFileJson);
  mkdirSync(join(work, 'out'));
  writeFileSync(join(work, 'out', 'input.cloak'), bytes);
  execFileSync(CLI, ['decrypt', '--key', join(work, 'key.json'), join(work, 'out', 'input.cloak')], {
    env: { ...process.env, CLOAK_PASSPHRASE: PASSPHRASE }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A file whose folders were hidden comes back inside them.
  const out = readdirSync(join(work, 'out'), { recursive: true, withFileTypes: true })
    .find((e) => e.isFile() && !(e.name === 'input.cloak' && (e.parentPath ?? e.path) === join(work, 'out')));
  const folder = relative(join(work, 'out'), out.parentPath ?? out.path);
  return { name: out.name, folder, body: readFileSync(join(out.parentPath ?? out.path, out.name)) };
}
