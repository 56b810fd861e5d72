// Runs the built extension in a real browser for end-to-end tests: stages a
// copy, installs it, sets up a vault and protected sites through the
// extension's own page code, and reads back what it stored.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './browsers.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const PASSPHRASE = 'correct horse battery staple';

/**
 * Copies the built extension. Headless Chromium cannot show the host-permission
 * prompt, so the Chromium test copy lists loopback as a granted host permission
 * (its permissions.request then resolves without a prompt); Firefox tests keep
 * the shipped manifest and auto-accept the prompt by preference.
 */
async function stage(browserName) {
  const dir = await mkdtemp(join(tmpdir(), `cloak-ext-${browserName}-`));
  await cp(join(ROOT, 'dist', browserName === 'chromium' ? 'chrome' : 'firefox'), dir, { recursive: true });
  if (browserName === 'chromium') {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    manifest.host_permissions = ['http://127.0.0.1/*'];
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  }
  return dir;
}

export class CloakBrowser {
  static async start(browserName) {
    const extDir = await stage(browserName);
    const browser = await launch(browserName, { extensionDir: extDir });
    const self = new CloakBrowser(browserName, browser, extDir);
    await self.findBase();
    return self;
  }

  constructor(name, browser, extDir) {
    this.name = name;
    this.browser = browser;
    this.extDir = extDir;
  }

  async findBase() {
    const pattern = /^(chrome|moz)-extension:\/\/[^/]+/;
    const target = await this.browser.waitForTarget((t) => pattern.test(t.url()), { timeout: 20000 });
    this.base = target.url().match(pattern)[0];
  }

  url(path) {
    return `${this.base}/${path}`;
  }

  /** Opens an extension page and evaluates `fn(args)` in it (module imports allowed). */
  async inExtension(fn, args = {}, path = 'extension/ui/options.html') {
    const page = await this.browser.newPage();
    try {
      await page.goto(this.url(path));
      return await page.evaluate(fn, args);
    } finally {
      await page.close();
    }
  }

  async createVault(passphrase = PASSPHRASE) {
    return this.inExtension(async ({ passphrase }) => {
      const ops = await import('./vault-ops.js');
      return ops.createVault(passphrase);
    }, { passphrase });
  }

  async protect(origin) {
    return this.inExtension(async ({ origin }) => {
      const sites = await import('./sites-ui.js');
      await sites.protectSites([origin]);
    }, { origin });
  }

  async unprotect(origin) {
    return this.inExtension(async ({ origin }) => (await import('./sites-ui.js')).unprotectSite(origin), { origin });
  }

  async setSettings(settings) {
    return this.inExtension(async ({ settings }) => {
      const ext = globalThis.browser ?? globalThis.chrome;
      await ext.storage.local.set({ settings });
    }, { settings });
  }

  async lock() {
    return this.inExtension(async () => (await import('./vault-ops.js')).lock());
  }

  async unlock(passphrase = PASSPHRASE) {
    return this.inExtension(async ({ passphrase }) => (await import('./vault-ops.js')).unlock(passphrase), { passphrase });
  }

  async keyFile() {
    return this.inExtension(async () => (await import('./vault-ops.js')).keyFileJson());
  }

  async close() {
    await this.browser.dispose();
    await rm(this.extDir, { recursive: true, force: true });
  }
}
