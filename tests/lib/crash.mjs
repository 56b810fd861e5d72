// Makes one of Cloak's running workers fail as a WebAssembly trap or an
// out-of-memory would: an uncaught error thrown inside it, through the
// browser's own debugging interfaces. The code under test is not touched.
import { throwInWorker } from './firefox-user.mjs';

/**
 * Throws inside the worker whose script URL ends with `worker`, started by
 * the extension document whose URL ends with `host` (Chromium needs it: the
 * worker is reached through its document's target). Exactly one such worker
 * must be running. Firefox must have been started with `systemAccess`.
 * Resolves once the error is thrown.
 */
export async function crashWorker(cb, { host, worker }) {
  if (cb.name === 'firefox') {
    const reached = await throwInWorker(cb.browser, worker);
    if (reached !== 1) throw new Error(`${reached} workers matched ${worker}`);
    return;
  }
  // Documents of closed pages leave the target list a moment later: wait for one.
  let hosts = [];
  for (let i = 0; i < 50; i++) {
    hosts = cb.browser.targets().filter((t) => t.url().endsWith(host));
    if (hosts.length === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (hosts.length !== 1) throw new Error(`${hosts.length} running documents end with ${host}`);
  const hostTarget = hosts[0];
  const session = await hostTarget.createCDPSession();
  const attached = new Promise((resolve) => session.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.url.endsWith(worker)) resolve(e.sessionId);
  }));
  await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
  const target = session.connection().session(await attached);
  await target.send('Runtime.evaluate', { expression: 'setTimeout(() => { throw new Error("test crash"); })' });
}
