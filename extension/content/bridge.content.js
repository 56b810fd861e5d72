// Cloak bridge (isolated world, document_start). Receives the page hook's files
// over a private port, validates them, and has them encrypted by Cloak's
// extension-origin crypto frame, paired through the background. It never
// decrypts, never holds a key, and computes the page origin itself.
(() => {
  'use strict';
  if (globalThis.__cloakBridge) return;
  globalThis.__cloakBridge = true;
  const ext = globalThis.browser ?? globalThis.chrome;
  const FRAME_PATH = 'extension/crypto/frame.html';
  const MAX_FILES = 100_000;
  const KINDS = new Set(['input', 'drop', 'paste', 'picker']);

  let hookPort = null;
  let frame = null; // {iframe, port, ready: Promise}
  const inflight = new Map(); // request id -> hook request id

  // --- Hook handshake: synchronous, before any page script runs. ---
  function offerPort() {
    if (hookPort) return;
    const channel = new MessageChannel();
    const ev = new MessageEvent('cloak:bridge-port', { ports: [channel.port2], cancelable: true });
    if (!window.dispatchEvent(ev)) {
      hookPort = channel.port1;
      hookPort.onmessage = onHookMessage;
    }
  }
  window.addEventListener('cloak:hook-ready', (e) => {
    if (hookPort) return;
    e.stopImmediatePropagation();
    offerPort();
  }, true);
  offerPort();

  // The popup's status: the background asks, with a nonce, and only a hook
  // holding the private port can echo it. That is what makes a tab protected.
  const pings = new Map(); // nonce -> resolve
  function pingHook(nonce) {
    if (!hookPort) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pings.delete(nonce);
        resolve(false);
      }, 1000);
      pings.set(nonce, () => {
        clearTimeout(timer);
        resolve(true);
      });
      hookPort.postMessage({ type: 'ping', nonce });
    });
  }
  ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    // Only Cloak's own background (no tab) may ask; the message is checked by
    // hand as messages.js declares it (STATUS_PING), since this script is not a module.
    if (sender.id !== ext.runtime.id || sender.tab || msg?.type !== 'status-ping'
      || typeof msg.nonce !== 'string' || msg.nonce.length > 64) return false;
    pingHook(msg.nonce).then((hooked) => sendResponse({ nonce: hooked ? msg.nonce : null, hooked }));
    return true;
  });

  // Everything from the hook is page-world input: validate it.
  function validRequest(msg) {
    return msg && msg.type === 'encrypt' && Number.isSafeInteger(msg.id) && KINDS.has(msg.kind)
      && Array.isArray(msg.files) && msg.files.length > 0 && msg.files.length <= MAX_FILES
      && msg.files.every((f) => f instanceof File)
      && Array.isArray(msg.paths) && msg.paths.length === msg.files.length
      && msg.paths.every((p) => typeof p === 'string' && p.length <= 4096);
  }

  async function onHookMessage(e) {
    const msg = e.data;
    if (msg?.type === 'pong' && typeof msg.nonce === 'string' && pings.has(msg.nonce)) {
      pings.get(msg.nonce)();
      pings.delete(msg.nonce);
      return;
    }
    if (msg?.type === 'warm') {
      ensureFrame().catch((err) => console.debug('Cloak ignored a failed warm-up; it shows when files arrive:', err));
      return;
    }
    if (!validRequest(msg)) return;
    try {
      const bypass = await ext.runtime.sendMessage({ type: 'take-bypass' });
      if (bypass?.ok && bypass.result.allowed && msg.files.length === 1) {
        hookPort.postMessage({ type: 'encrypted', id: msg.id, files: msg.files, paths: msg.paths });
        return;
      }
      const f = await ensureFrame();
      inflight.set(msg.id, true);
      f.port.postMessage({ type: 'encrypt', id: msg.id, kind: msg.kind, files: msg.files, paths: msg.paths, origin: location.origin });
    } catch (err) {
      hookPort.postMessage({ type: 'failed', id: msg.id, message: String(err?.message || err) });
    }
  }

  // --- The crypto frame: an extension page, shown as the progress overlay. ---
  function ensureFrame() {
    // A frame still pairing has no iframe yet: a second caller (the hook's warm
    // message, then its encrypt request) waits for the same one.
    if (frame && (!frame.iframe || frame.iframe.isConnected)) return frame.ready;
    frame = { iframe: null, port: null, ready: null };
    frame.ready = createFrame(frame);
    frame.ready.catch(() => { frame = null; });
    return frame.ready;
  }

  async function createFrame(f) {
    const reply = await ext.runtime.sendMessage({ type: 'pair-frame' });
    if (!reply?.ok) throw new Error(reply?.error || 'Cloak could not start its encryption frame');
    const src = ext.runtime.getURL(FRAME_PATH);
    const iframe = document.createElement('iframe');
    iframe.src = src;
    iframe.title = 'Cloak encryption progress';
    iframe.setAttribute('allow', '');
    Object.assign(iframe.style, {
      position: 'fixed', right: '16px', bottom: '16px', width: '380px', height: '0px', border: '0',
      zIndex: '2147483647', colorScheme: 'normal', display: 'block', visibility: 'hidden',
      borderRadius: '12px', boxShadow: '0 8px 30px rgba(0,0,0,.25)', background: 'transparent',
    });
    f.iframe = iframe;
    await new Promise((resolve, reject) => {
      iframe.addEventListener('load', resolve, { once: true });
      iframe.addEventListener('error', reject, { once: true });
      (document.body || document.documentElement).append(iframe);
    });
    // The first load event may belong to the initial about:blank document, so
    // offer the pairing (same one-time token, fresh port) until the frame answers.
    // With use_dynamic_url the frame is loaded through a per-session URL, but the
    // document's origin is the extension's own.
    const origin = new URL(ext.runtime.getURL('')).origin;
    const paired = new Promise((resolve, reject) => {
      let tries = 0;
      const offer = () => {
        if (++tries > 60) {
          clearInterval(timer);
          reject(new Error('Cloak encryption frame did not answer'));
          return;
        }
        const channel = new MessageChannel();
        channel.port1.onmessage = (e) => {
          if (e.data?.type !== 'paired' || f.port) return;
          clearInterval(timer);
          f.port = channel.port1;
          f.port.onmessage = onFrameMessage;
          resolve(f);
        };
        iframe.contentWindow?.postMessage({ type: 'cloak-pair', token: reply.result.token }, origin, [channel.port2]);
      };
      const timer = setInterval(offer, 250);
      offer();
    });
    return paired;
  }

  function onFrameMessage(e) {
    const msg = e.data;
    if (!msg || typeof msg.type !== 'string') return;
    if (msg.type === 'layout' && frame?.iframe) {
      const height = Math.max(0, Math.min(600, Number(msg.height) || 0));
      frame.iframe.style.height = `${height}px`;
      frame.iframe.style.visibility = height ? 'visible' : 'hidden';
      return;
    }
    if (!inflight.has(msg.id)) return;
    inflight.delete(msg.id);
    if (msg.type === 'encrypted' && Array.isArray(msg.files) && msg.files.every((x) => x instanceof File)) {
      hookPort.postMessage({ type: 'encrypted', id: msg.id, files: msg.files, paths: msg.paths });
    } else {
      hookPort.postMessage({ type: 'failed', id: msg.id, message: String(msg.message || 'Cloak could not encrypt') });
    }
  }
})();
