import { ext } from '../platform/api.js';
import { MSG, send } from '../lib/messages.js';
import { hasKeyFile, isUnlocked, lock, pendingSetup, recoveryReminderDue, unlock } from './vault-ops.js';
import { protectSites, unprotectSite } from './sites-ui.js';
import { ignoring } from '../lib/ignoring.js';

const $ = (id) => document.getElementById(id);
let tab = null;
let status = null;

async function render() {
  const pending = await pendingSetup();
  if (!(await hasKeyFile()) || pending) {
    $('setup').hidden = false;
    $('setup-text').textContent = pending
      ? 'Finish setting up Cloak: confirm your recovery key. Until then Cloak encrypts nothing and protects no site.'
      : 'Cloak is not set up yet.';
    $('open-setup').textContent = pending ? 'Finish setup' : 'Set up Cloak';
    return;
  }
  $('main').hidden = false;
  // Keys set up before Cloak asked to confirm recovery keys: remind once, until it is shown.
  $('kit-reminder').hidden = !(await recoveryReminderDue());
  [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  const reply = tab ? await send(ext, MSG.TAB_STATUS, { tabId: tab.id }) : null;
  status = reply?.ok ? reply.result : { origin: null, protected: false };
  if (!status.origin || !/^https?:/.test(status.origin)) {
    $('site-status').textContent = 'Cloak works on web sites.';
    $('toggle-site').hidden = true;
    $('bypass').disabled = true;
  } else {
    // Claims protection only for a tab whose hook reported in.
    let text = `${status.origin} is not protected.`;
    if (status.protected && status.hostAccess === false) text = `Cloak has no access to ${status.origin}: uploads here are not encrypted. Allow Cloak on this site in the browser's extension settings.`;
    else if (status.protected && status.reloadRequired) text = `Not protected in this tab yet: reload it so Cloak encrypts uploads to ${status.origin}.`;
    else if (status.protected) text = `Uploads to ${status.origin} are encrypted.`;
    $('site-status').textContent = text;
    $('toggle-site').textContent = status.protected ? 'Stop protecting this site' : 'Protect this site';
    $('reload').hidden = !status.reloadRequired;
    $('bypass').disabled = !status.protected;
  }
  const unlocked = await isUnlocked();
  $('locked').hidden = unlocked;
  $('unlocked').hidden = !unlocked;
  const { recent = [], decrypting = [] } = await ext.storage.session.get(['recent', 'decrypting']);
  $('decrypting').replaceChildren(...decrypting.map((j) => {
    const li = document.createElement('li');
    const bar = document.createElement('progress');
    bar.max = j.total || 1;
    bar.value = j.done;
    bar.setAttribute('aria-label', `Decrypting ${j.name}`);
    li.append(`Decrypting ${j.name} `, bar);
    return li;
  }));
  $('recent').replaceChildren(...recent.slice(0, 5).map((r) => {
    const li = document.createElement('li');
    li.textContent = `${r.status}: ${r.name}${r.message ? ` — ${r.message}` : ''}`;
    return li;
  }));
  if (!recent.length) $('recent').textContent = 'Nothing yet in this session.';
}

$('open-setup').addEventListener('click', () => ext.tabs.create({ url: ext.runtime.getURL('extension/ui/onboarding.html') }));
$('open-kit').addEventListener('click', (e) => {
  e.preventDefault();
  ext.runtime.openOptionsPage();
});
$('options').addEventListener('click', (e) => {
  e.preventDefault();
  ext.runtime.openOptionsPage();
});
$('vault').addEventListener('click', (e) => {
  e.preventDefault();
  ext.tabs.create({ url: ext.runtime.getURL('extension/ui/vault.html') });
});
$('toggle-site').addEventListener('click', async () => {
  try {
    if (status.protected) await unprotectSite(status.origin);
    else await protectSites([status.origin]);
    await render();
  } catch (err) {
    $('error').textContent = err.message;
  }
});
$('do-reload').addEventListener('click', () => ext.tabs.reload(tab.id).then(() => window.close()));
$('unlock-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    await unlock($('pass').value);
    $('pass').value = '';
    await render();
  } catch (err) {
    $('unlock-error').textContent = err.code === 'wrong_passphrase' ? 'Wrong passphrase.' : err.message;
  }
});
$('lock').addEventListener('click', async () => {
  await lock();
  await render();
});
$('bypass').addEventListener('click', async () => {
  const reply = await send(ext, MSG.GRANT_BYPASS, { tabId: tab.id });
  $('bypass-status').textContent = reply?.ok
    ? `The next single file you upload on ${reply.result.origin} in this tab, within one minute, is sent unencrypted.`
    : 'Could not allow it.';
});

render().catch((err) => ($('error').textContent = err.message));
ext.storage.onChanged.addListener((changes, area) => {
  if (area === 'session' && (changes.decrypting || changes.recent)) render().catch(ignoring('re-rendering the popup'));
});
