// Makes one of Cloak's running workers fail as a WebAssembly trap or an
// out-of-memory would: an uncaught error thrown inside it, through the
// browser's own debugging interfaces. The code under test is not touched.
import { throwInWorker } from './firefox-user.mjs';

/**
 * Throws inside the worker whose script URL ends with `worker`, started by
 * the extension document whose URL ends with `host` (Chromium needs it: the
 * worker is reached through its document's target). Firefox must have been
 * started with `systemAccess`. Resolves once the error is thrown.
 */
export async function crashWorker(cb, { host, worker }) {
  if (cb.name === 'firefox') {
    const reached = await throwInWorker(cb.browser, worker);
    if (reached !== 1) throw new Error(`${reached} workers matched ${worker}`);
    return;
  }
  const hostTarget = cb.browser.targets().find((t) => t.url().endsWith(host));
  if (!hostTarget) throw new Error(`no running document ends with ${host}`);
  const session = await hostTarget.createCDPSession();
  const attached = new Promise((resolve) => session.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.url.endsWith(worker)) resolve(e.sessionId);
  }));
  await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
  const target = session.connection().session(await attached);
  await target.send('Runtime.evaluate', { expression: 'setTimeout(() => { throw new Error("test crash"); })' });
}
