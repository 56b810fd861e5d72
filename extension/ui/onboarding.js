import { ext } from '../platform/api.js';
import { KNOWN_SITES } from '../lib/sites.js';
import {
  checkRecoveryTyped, createVault, describeKeys, finishSetup, hasKeyFile, importKeyFile, importRecoveryKey, pendingSetup, recoveryQrSvg, resumeSetup,
  shortKeyId, strength,
} from './vault-ops.js';
import { parseOrigin, protectSites } from './sites-ui.js';

const $ = (id) => document.getElementById(id);
const steps = ['step-start', 'step-finish', 'step-ready', 'step-create', 'step-recovery', 'step-import', 'step-sites'];
function show(step) {
  for (const s of steps) $(s).hidden = s !== step;
  $(step).querySelector('input, button')?.focus();
}

$('choose-create').addEventListener('click', () => show('step-create'));
$('choose-import').addEventListener('click', () => show('step-import'));

/** Shows a passphrase field's strength in its meter and text. */
async function showStrength(input, meter, text) {
  const value = input.value;
  const s = value ? await strength(value) : { score: 0, text: '' };
  if (input.value !== value) return; // typed on meanwhile
  meter.value = s.score;
  text.textContent = s.text;
}
$('pass1').addEventListener('input', () => showStrength($('pass1'), $('strength-meter'), $('strength')));
$('import-pass').addEventListener('input', () => showStrength($('import-pass'), $('import-strength-meter'), $('import-strength')));

let recovery = '';
let kitKeyId = '';

/** The recovery step, as a printable kit: the key grouped, its QR code, the key id and the date. */
async function showRecovery(info) {
  recovery = info.recovery;
  kitKeyId = shortKeyId(info.keyId);
  $('recovery').textContent = recovery;
  $('kit-key-id').textContent = kitKeyId;
  $('kit-date').textContent = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' }).format(new Date());
  const svg = new DOMParser().parseFromString(await recoveryQrSvg(recovery), 'image/svg+xml').documentElement;
  svg.setAttribute('aria-hidden', 'true');
  $('kit-qr').replaceChildren(svg);
  show('step-recovery');
}

async function activate() {
  await finishSetup();
  recovery = '';
  $('recovery').textContent = '';
  $('kit-qr').replaceChildren();
  show('step-sites');
}

$('print-kit').addEventListener('click', () => window.print());

// A saved kit is a recovery method too: once the download is complete, the key becomes active.
$('download-kit').addEventListener('click', async () => {
  $('recovery-error').textContent = '';
  const page = `<!doctype html><meta charset="utf-8"><title>Cloak recovery kit ${kitKeyId}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:640px;margin:24px auto}.recovery{font-family:ui-monospace,monospace;font-size:1.1em;padding:10px;border:2px dashed;border-radius:8px;word-break:break-all}svg{width:240px;height:240px}</style>
${$('recovery-kit').innerHTML}`;
  const url = URL.createObjectURL(new Blob([page], { type: 'text/html' }));
  try {
    const id = await ext.downloads.download({ url, filename: `cloak-recovery-kit-${kitKeyId}.html`, saveAs: true });
    ext.downloads.onChanged.addListener(async function done(delta) {
      if (delta.id !== id || !delta.state) return;
      if (delta.state.current === 'complete') {
        ext.downloads.onChanged.removeListener(done);
        URL.revokeObjectURL(url);
        await activate().catch((err) => ($('recovery-error').textContent = err.message));
      } else if (delta.state.current === 'interrupted') {
        ext.downloads.onChanged.removeListener(done);
        URL.revokeObjectURL(url);
        $('recovery-error').textContent = 'The kit was not saved. Save it again, or type the last group below.';
      }
    });
  } catch (err) {
    URL.revokeObjectURL(url);
    $('recovery-error').textContent = `The kit was not saved (${err.message}).`;
  }
});
$('step-create').addEventListener('submit', async (e) => {
  e.preventDefault();
  const pass = $('pass1').value;
  $('create-error').textContent = '';
  const rated = await strength(pass);
  if (!rated.ok) return void ($('create-error').textContent = rated.text);
  if (pass !== $('pass2').value) return void ($('create-error').textContent = 'The passphrases do not match.');
  $('create').disabled = true;
  $('create').textContent = 'Creating…';
  try {
    await showRecovery(await createVault(pass));
  } catch (err) {
    $('create-error').textContent = err.message;
  } finally {
    $('create').disabled = false;
    $('create').textContent = 'Create key';
  }
});

$('recovery-done').addEventListener('click', async () => {
  const typed = checkRecoveryTyped(recovery, $('confirm-recovery').value);
  if (!typed.ok) return void ($('recovery-error').textContent = typed.message);
  try {
    await activate();
  } catch (err) {
    $('recovery-error').textContent = err.message;
  }
});

$('step-finish').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('finish-error').textContent = '';
  try {
    const info = await resumeSetup($('finish-pass').value);
    $('finish-pass').value = '';
    await showRecovery(info);
  } catch (err) {
    $('finish-error').textContent = err.code === 'wrong_passphrase' ? 'Wrong passphrase.' : err.message;
  }
});

$('ready-sites').addEventListener('click', () => show('step-sites'));
$('ready-import').addEventListener('click', () => show('step-import'));

$('step-import').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('import-error').textContent = '';
  const pass = $('import-pass').value;
  try {
    const existing = await hasKeyFile();
    const rated = await strength(pass);
    // A new Cloak passphrase is rated and repeated; an existing one is only checked by the key file.
    if (!existing && !rated.ok) throw new Error(rated.text);
    if (!existing && pass !== $('import-pass2').value) throw new Error('The passphrases do not match.');
    const file = $('import-file').files[0];
    if (file) await importKeyFile(await file.text(), $('import-file-pass').value, pass);
    else await importRecoveryKey($('import-recovery').value, pass);
    show('step-sites');
  } catch (err) {
    $('import-error').textContent = err.message;
  }
});

for (const site of KNOWN_SITES) {
  const li = document.createElement('li');
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.value = site.origins[0];
  label.append(box, ` ${site.name}`);
  li.append(label);
  $('known-sites').append(li);
}

$('protect').addEventListener('click', async () => {
  $('sites-error').textContent = '';
  const chosen = [...document.querySelectorAll('#known-sites input:checked')].map((b) => b.value);
  const custom = $('custom-site').value.trim();
  if (custom) {
    const origin = parseOrigin(custom);
    if (!origin) return void ($('sites-error').textContent = 'That is not a web address (https://…).');
    chosen.push(origin);
  }
  if (!chosen.length) return void ($('sites-error').textContent = 'Choose at least one site.');
  try {
    await protectSites(chosen);
    $('sites-done').hidden = false;
  } catch (err) {
    $('sites-error').textContent = err.message;
  }
});

/** The first screen: create only while there is no key, and never a second one. */
async function firstStep() {
  if (!(await hasKeyFile())) return 'step-start';
  if (await pendingSetup()) return 'step-finish';
  $('import-pass-label').textContent = 'Your Cloak passphrase';
  for (const id of ['import-pass2', 'import-pass2-label', 'import-strength-meter', 'import-strength']) $(id).hidden = true;
  const ids = (await describeKeys()).map((k) => k.keyId);
  $('ready-keys').textContent = ids.length ? ` (key id ${ids.join(', ')})` : '';
  return new URLSearchParams(location.search).get('step') === 'sites' ? 'step-sites' : 'step-ready';
}
firstStep().then(show, (err) => {
  show('step-start');
  $('create-error').textContent = err.message;
});
