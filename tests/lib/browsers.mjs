// Launches Debian's Chromium and Firefox ESR headless through puppeteer-core
// (recipes in ../shared/BROWSER-TESTS.md). Each launch gets a fresh profile that
// is deleted on close.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.CLOAK_CHROMIUM || '/usr/lib/chromium/chromium';
export const FIREFOX = process.env.CLOAK_FIREFOX || '/usr/lib/firefox-esr/firefox-esr';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Launches `name` ('chromium' or 'firefox'); returns the puppeteer Browser with a
 * `dispose()`. `options.profileIn`: the directory to make the profile in (the
 * system's temporary directory by default). A cold first start on a loaded
 * 2-core machine has once exceeded puppeteer's 30 s: allow 90 s and one more
 * attempt.
 */
export async function launch(name, options = {}) {
  try {
    return await launchOnce(name, options);
  } catch (err) {
    if (!/Timed out/.test(String(err?.message))) throw err;
    return launchOnce(name, options);
  }
}

async function launchOnce(name, options) {
  const profile = await mkdtemp(join(options.profileIn ?? tmpdir(), `cloak-${name}-`));
  try {
    return await start(name, profile, options);
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}

/** Browser preferences that save downloads to `dir` without asking. */
function downloadPrefs(dir) {
  return {
    'browser.download.dir': dir,
    'browser.download.folderList': 2,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
    'browser.download.start_downloads_in_tmp_dir': false,
    'browser.download.alwaysOpenPanel': false,
  };
}

// No test watches network events through the driver, and recording them costs
// the browser memory that would be charged to the extension (Firefox keeps a
// record per request in its parent process).
const NETWORK_EVENTS = false;

/**
 * `systemAccess` (Firefox): lets the test drive Firefox's privileged scope
 * (tests/lib/firefox-user.mjs), where it acts as the user where WebDriver
 * cannot — and answers prompts at once instead of after their safety delay.
 */
async function start(name, profile, { extensionDir, extraPrefs = {}, downloadDir, systemAccess = false } = {}) {
  let browser;
  if (name === 'chromium' && downloadDir) {
    // CDP's Browser.setDownloadBehavior would stop downloads.onDeterminingFilename.
    await mkdir(join(profile, 'Default'), { recursive: true });
    await writeFile(join(profile, 'Default', 'Preferences'), JSON.stringify({
      download: { default_directory: downloadDir, prompt_for_download: false },
    }));
  }
  if (name === 'chromium') {
    const args = [...CHROMIUM_ARGS];
    if (extensionDir) args.push(`--load-extension=${extensionDir}`, `--disable-extensions-except=${extensionDir}`);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM, headless: true, userDataDir: profile, dumpio: Boolean(process.env.CLOAK_DUMPIO), timeout: 90_000,
      enableExtensions: Boolean(extensionDir), args, networkEnabled: NETWORK_EVENTS,
    });
  } else if (name === 'firefox') {
    browser = await puppeteer.launch({
      browser: 'firefox', dumpio: Boolean(process.env.CLOAK_DUMPIO), timeout: 90_000, executablePath: FIREFOX, headless: true, userDataDir: profile,
      args: systemAccess ? ['--remote-allow-system-access'] : [], networkEnabled: NETWORK_EVENTS,
      extraPrefsFirefox: {
        'datareporting.policy.dataSubmissionEnabled': false,
        // Accept optional-permission requests without a prompt (headless has none).
        'extensions.webextOptionalPermissionPrompts': false,
        'devtools.console.stdout.chrome': Boolean(process.env.CLOAK_DUMPIO),
        'devtools.console.stdout.content': Boolean(process.env.CLOAK_DUMPIO),
        ...(downloadDir ? downloadPrefs(downloadDir) : {}),
        ...(systemAccess ? { 'security.dialog_enable_delay': 0 } : {}),
        // puppeteer asks WebDriver BiDi to keep a copy of every request and
        // response body up to 20 MB (network.addDataCollector), and Firefox
        // keeps up to 200 MB of them in its parent process: the range windows
        // of a 1 GiB download held 280 MiB there until a parent GC. Below
        // 20 MB the collector is refused, and no test reads bodies through
        // the driver. A real user's Firefox runs no such collector.
        'remote.network.maxTotalDataSize': 1,
        ...extraPrefs,
      },
    });
    if (extensionDir) await browser.installExtension(extensionDir);
  } else {
    throw new Error(`unknown browser ${name}`);
  }
  browser.dispose = async () => {
    await browser.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  };
  return browser;
}

export const BROWSERS = (process.env.CLOAK_BROWSERS || 'chromium,firefox').split(',');
