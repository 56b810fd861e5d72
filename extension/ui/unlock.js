import { unlock } from './vault-ops.js';

const $ = (id) => document.getElementById(id);
$('form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('go').disabled = true;
  $('go').textContent = 'Unlocking…';
  $('error').textContent = '';
  try {
    await unlock($('pass').value);
    window.close();
  } catch (err) {
    $('error').textContent = err.code === 'wrong_passphrase' ? 'Wrong passphrase.' : err.message;
    $('pass').select();
  } finally {
    $('go').disabled = false;
    $('go').textContent = 'Unlock';
  }
});
