// Chromium's offscreen document (reason BLOBS): a service worker cannot make
// `blob:` URLs, so download decryption runs here. It takes orders only from
// the background, asks the background for the keys of each job, and reports
// every event back.
import { ext } from '../platform/api.js';
import { MSG, send, validate } from '../lib/messages.js';
import { DownloadDecrypter } from './decrypter.js';
import { ignoring } from '../lib/ignoring.js';

const decrypter = new DownloadDecrypter((ev) => {
  const { type, ...fields } = ev;
  send(ext, MSG.DOWNLOAD_EVENT, { ...fields, event: type }).catch(ignoring('reporting to a background that went away'));
});

// An offscreen document has runtime.getURL but not runtime.getManifest.
const BACKGROUND_URL = ext.runtime.getURL('extension/background/service-worker.js');

function fromBackground(sender) {
  return sender.id === ext.runtime.id && !sender.tab && sender.url === BACKGROUND_URL;
}

const HANDLERS = {
  async [MSG.DOWNLOAD_DECRYPT](msg) {
    const reply = await send(ext, MSG.DOWNLOAD_KEYS);
    if (!reply?.ok || !reply.result.keys.length) {
      decrypter.onEvent({ type: 'failed', job: msg.job, headerOk: false, code: 'locked', message: 'Cloak is locked.' });
      return;
    }
    decrypter.start(msg.job, msg.url, reply.result.keys);
  },
  [MSG.DOWNLOAD_RELEASE](msg) {
    decrypter.release(msg.job);
  },
};

ext.runtime.onMessage.addListener((msg, sender) => {
  if (!validate(msg) || !Object.hasOwn(HANDLERS, msg.type) || !fromBackground(sender)) return false;
  HANDLERS[msg.type](msg);
  return false;
});
