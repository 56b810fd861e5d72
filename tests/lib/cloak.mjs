// Runs the built extension in a real browser for end-to-end tests: stages a
// copy, installs it, sets up a vault and protected sites through the
// extension's own page code, and reads back what it stored.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './browsers.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const PASSPHRASE = 'correct horse battery staple';

/**
 * Copies the built extension. Headless Chromium cannot show the host-permission
 * prompt, so the Chromium test copy lists loopback (127.0.0.1 and localhost, two
 * origins) as granted host permissions
 * (its permissions.request then resolves without a prompt); Firefox tests keep
 * the shipped manifest and auto-accept the prompt by preference.
 */
async function stage(browserName) {
  const dir = await mkdtemp(join(tmpdir(), `cloak-ext-${browserName}-`));
  await cp(join(ROOT, 'dist', browserName === 'chromium' ? 'chrome' : 'firefox'), dir, { recursive: true });
  if (browserName === 'chromium') {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    manifest.host_permissions = ['http://127.0.0.1/*', 'http://localhost/*'];
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  }
  return dir;
}

export class CloakBrowser {
  /**
   * `options.downloadDir`: where the browser saves downloads, without asking;
   * `options.systemAccess`, `options.profileIn`: see launch() in browsers.mjs.
   */
  static async start(browserName, { downloadDir, systemAccess, profileIn } = {}) {
    const extDir = await stage(browserName);
    // Firefox picks a random moz-extension UUID per profile; fix it by preference.
    const uuid = randomUUID();
    const manifest = JSON.parse(await readFile(join(extDir, 'manifest.json'), 'utf8'));
    const gecko = manifest.browser_specific_settings?.gecko;
    const extraPrefs = gecko ? { 'extensions.webextensions.uuids': JSON.stringify({ [gecko.id]: uuid }) } : {};
    const browser = await launch(browserName, { extensionDir: extDir, extraPrefs, downloadDir, systemAccess, profileIn });
    const self = new CloakBrowser(browserName, browser, extDir);
    if (browserName === 'firefox') self.base = `moz-extension://${uuid}`;
    else await self.findBase();
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

  /**
   * An extension page to evaluate in. Firefox's WebDriver BiDi may not navigate
   * to moz-extension URLs, so there we use the onboarding tab the extension
   * opens on install.
   */
  async extensionPage() {
    if (this.extPage && !this.extPage.isClosed()) return this.extPage;
    if (this.name === 'chromium') {
      this.extPage = await this.browser.newPage();
      await this.extPage.goto(this.url('extension/ui/onboarding.html'));
      return this.extPage;
    }
    for (let i = 0; i < 100 && !this.extPage; i++) {
      for (const p of await this.browser.pages()) {
        const href = await p.evaluate(() => location.href).catch(() => '');
        if (href.startsWith(this.base)) this.extPage = p;
      }
      if (!this.extPage) await new Promise((r) => setTimeout(r, 100));
    }
    if (!this.extPage) throw new Error('no extension page found');
    return this.extPage;
  }

  /** Navigates the extension page to another page of the ui/ folder. */
  async goToExtensionPage(file) {
    const page = await this.extensionPage();
    if (this.name === 'chromium') await page.goto(this.url(`extension/ui/${file}`));
    else {
      await page.evaluate((f) => { location.href = f; }, file);
      await page.waitForFunction((f) => location.pathname.endsWith(f) && document.readyState === 'complete', { polling: 100 }, file);
    }
    return page;
  }

  /** Evaluates `fn(args)` in an extension page of the ui/ folder (module imports allowed). */
  async inExtension(fn, args = {}) {
    return (await this.extensionPage()).evaluate(fn, args);
  }

  /** Creates the vault and confirms its recovery key, as onboarding does; `{finish: false}` leaves setup pending. */
  async createVault(passphrase = PASSPHRASE, { finish = true } = {}) {
    return this.inExtension(async ({ passphrase, finish }) => {
      const ops = await import('./vault-ops.js');
      const info = await ops.createVault(passphrase);
      if (finish) await ops.finishSetup();
      return info;
    }, { passphrase, finish });
  }

  /** Protects `origin` through the onboarding page's own form (a real click: a user gesture). */
  async protect(origin) {
    const page = await this.extensionPage();
    await page.evaluate(() => {
      for (const s of document.querySelectorAll('body > section, body > form')) s.hidden = s.id !== 'step-sites';
      document.getElementById('sites-done').hidden = true;
      document.getElementById('sites-error').textContent = '';
      document.getElementById('custom-site').value = '';
    });
    await page.type('#custom-site', origin);
    if (this.name === 'firefox') {
      await page.click('#protect'); // a real click: Firefox needs user input for permissions.request
    } else {
      // Headless Chromium 156 crashes on a mouse click in an extension page with an
      // extension loaded; CDP evaluation carries a user gesture instead.
      await page.evaluate(() => document.getElementById('protect').click());
    }
    await page.waitForFunction(() => !document.getElementById('sites-done').hidden
      || document.getElementById('sites-error').textContent, { timeout: 10000, polling: 100 });
    const error = await page.$eval('#sites-error', (e) => e.textContent);
    if (error) throw new Error(error);
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

  /** What Cloak recorded for the popup's "Recent" list, newest first. */
  async recent() {
    return this.inExtension(async () => {
      const ext = globalThis.browser ?? globalThis.chrome;
      return (await ext.storage.session.get('recent')).recent || [];
    });
  }

  async keyFile() {
    return this.inExtension(async () => (await import('./vault-ops.js')).keyFileJson());
  }

  async close() {
    await this.browser.dispose();
    await rm(this.extDir, { recursive: true, force: true });
  }
}
