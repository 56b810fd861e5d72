import { ext } from '../platform/api.js';
import {
  beginRotation, changePassphrase, checkRecoveryTyped, deleteKey, describeKeys, finishRotation, keyFileJson, revealRecovery, shortKeyId, strength,
} from './vault-ops.js';
import { parseOrigin, protectSites, unprotectSite } from './sites-ui.js';

const $ = (id) => document.getElementById(id);

async function renderSites() {
  const { sites = [] } = await ext.storage.local.get('sites');
  $('sites').replaceChildren(...sites.map((origin) => {
    const li = document.createElement('li');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Stop protecting ${origin}`);
    remove.addEventListener('click', async () => {
      await unprotectSite(origin);
      await renderSites();
    });
    li.append(`${origin} `, remove);
    return li;
  }));
  if (!sites.length) $('sites').textContent = 'No site yet.';
}

$('add').addEventListener('click', async () => {
  $('sites-error').textContent = '';
  const origin = parseOrigin($('add-site').value);
  if (!origin) return void ($('sites-error').textContent = 'That is not a web address (https://…).');
  try {
    await protectSites([origin]);
    $('add-site').value = '';
    await renderSites();
  } catch (err) {
    $('sites-error').textContent = err.message;
  }
});

async function renderSettings() {
  const { settings = {} } = await ext.storage.local.get('settings');
  $('hide-names').checked = Boolean(settings.hideNames);
  $('pad').checked = Boolean(settings.pad);
  $('auto-lock').value = settings.autoLockMinutes ?? 15;
}

async function saveSettings() {
  const minutes = Math.max(0, Math.min(1440, Math.round(Number($('auto-lock').value) || 0)));
  await ext.storage.local.set({ settings: { hideNames: $('hide-names').checked, pad: $('pad').checked, autoLockMinutes: minutes } });
  $('saved').textContent = 'Saved.';
  setTimeout(() => ($('saved').textContent = ''), 1500);
}
for (const id of ['hide-names', 'pad', 'auto-lock']) $(id).addEventListener('change', saveSettings);

async function renderKeys() {
  const keys = await describeKeys();
  $('keys').replaceChildren(...keys.map((k) => {
    const item = document.createElement('div');
    item.className = 'key';
    const p = document.createElement('p');
    p.innerText = `${k.default ? 'Default key (new uploads)' : 'Older key (kept to decrypt)'} ${shortKeyId(k.keyId)}\nShare this recipient so others can encrypt to you:\n${k.recipient}`;
    item.append(p);
    if (keys.length > 1) {
      const form = document.createElement('form');
      const label = document.createElement('label');
      const input = document.createElement('input');
      const button = document.createElement('button');
      const error = document.createElement('p');
      input.id = `delete-${k.keyId}`;
      input.autocomplete = 'off';
      label.htmlFor = input.id;
      label.textContent = `To delete key ${shortKeyId(k.keyId)}, type ${shortKeyId(k.keyId)}. Every file encrypted only to it becomes unreadable here.`;
      button.type = 'submit';
      button.textContent = `Delete key ${shortKeyId(k.keyId)}`;
      error.className = 'error';
      error.setAttribute('role', 'alert');
      form.append(label, input, button, error);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          await deleteKey(k.keyId, input.value);
          await renderKeys();
        } catch (err) {
          error.textContent = err.message;
        }
      });
      item.append(form);
    }
    return item;
  }));
}

$('reveal').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('reveal-error').textContent = '';
  try {
    const { recovery } = await revealRecovery($('reveal-pass').value);
    $('reveal-pass').value = '';
    $('revealed-key').textContent = recovery;
    $('revealed').hidden = false;
  } catch (err) {
    $('reveal-error').textContent = err.code === 'wrong_passphrase' ? 'Wrong passphrase.' : err.message;
  }
});
$('hide-revealed').addEventListener('click', () => {
  $('revealed-key').textContent = '';
  $('revealed').hidden = true;
});

$('rotate').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('rotate-error').textContent = '';
  try {
    const { recovery } = await beginRotation($('rotate-pass').value);
    $('rotate-pass').value = '';
    $('rotate-recovery').textContent = recovery;
    $('rotate-confirm-step').hidden = false;
    $('rotate-confirm').focus();
  } catch (err) {
    $('rotate-error').textContent = err.code === 'wrong_passphrase' ? 'Wrong passphrase.' : err.message;
  }
});

$('rotate-done').addEventListener('click', async () => {
  const typed = checkRecoveryTyped($('rotate-recovery').textContent, $('rotate-confirm').value);
  if (!typed.ok) return void ($('rotate-error').textContent = typed.message);
  try {
    await finishRotation();
    $('rotate-recovery').textContent = '';
    $('rotate-confirm').value = '';
    $('rotate-confirm-step').hidden = true;
    $('rotate-error').textContent = '';
    $('rotate-status').textContent = 'New uploads now use the new key. Your older keys stay, to decrypt your older files.';
    await renderKeys();
  } catch (err) {
    $('rotate-error').textContent = err.message;
  }
});

$('export').addEventListener('click', async () => {
  const json = await keyFileJson();
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'cloak.key';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});

$('passwd').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('passwd-status');
  status.className = '';
  const next = $('new-pass').value;
  const rated = await strength(next);
  if (!rated.ok || next !== $('new-pass2').value) {
    status.className = 'error';
    status.textContent = rated.ok ? 'The new passphrases do not match.' : rated.text;
    return;
  }
  try {
    await changePassphrase($('old-pass').value, next);
    status.className = 'ok';
    status.textContent = 'Passphrase changed.';
    e.target.reset();
  } catch (err) {
    status.className = 'error';
    status.textContent = err.code === 'wrong_passphrase' ? 'The current passphrase is wrong.' : err.message;
  }
});

renderSites();
renderSettings();
renderKeys();
