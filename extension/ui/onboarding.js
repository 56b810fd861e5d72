import { KNOWN_SITES } from '../shared/sites.js';
import { createVault, importKeyFile, importRecoveryKey, strength } from './vault-ops.js';
import { parseOrigin, protectSites } from './sites-ui.js';

const $ = (id) => document.getElementById(id);
const steps = ['step-start', 'step-create', 'step-recovery', 'step-import', 'step-sites'];
function show(step) {
  for (const s of steps) $(s).hidden = s !== step;
  $(step).querySelector('input, button')?.focus();
}

$('choose-create').addEventListener('click', () => show('step-create'));
$('choose-import').addEventListener('click', () => show('step-import'));

$('pass1').addEventListener('input', () => {
  $('strength').textContent = $('pass1').value ? strength($('pass1').value).text : '';
});

let recovery = '';
$('step-create').addEventListener('submit', async (e) => {
  e.preventDefault();
  const pass = $('pass1').value;
  $('create-error').textContent = '';
  if (!strength(pass).ok) return void ($('create-error').textContent = strength(pass).text);
  if (pass !== $('pass2').value) return void ($('create-error').textContent = 'The passphrases do not match.');
  $('create').disabled = true;
  $('create').textContent = 'Creating…';
  try {
    ({ recovery } = await createVault(pass));
    $('recovery').textContent = recovery;
    show('step-recovery');
  } catch (err) {
    $('create-error').textContent = err.message;
  } finally {
    $('create').disabled = false;
    $('create').textContent = 'Create key';
  }
});

$('copy-recovery').addEventListener('click', () => navigator.clipboard.writeText(recovery));
$('recovery-done').addEventListener('click', () => {
  const last = recovery.split('-').pop();
  if ($('confirm-recovery').value.trim().toUpperCase() !== last) {
    $('recovery-error').textContent = `That does not match. Type the last group (${last.length} characters).`;
    return;
  }
  show('step-sites');
});

$('step-import').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('import-error').textContent = '';
  const pass = $('import-pass').value;
  try {
    if (!strength(pass).ok) throw new Error(strength(pass).text);
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

const params = new URLSearchParams(location.search);
show(params.get('step') === 'sites' ? 'step-sites' : 'step-start');
