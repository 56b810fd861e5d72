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
  const hosts = await hostsSettled(cb, host, 1);
  const hostTarget = hosts[0];
  const session = await hostTarget.createCDPSession();
  const attached = new Promise((resolve) => session.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.url.endsWith(worker)) resolve(e.sessionId);
  }));
  await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
  const target = session.connection().session(await attached);
  // A worker attached as it starts may not have its globals yet (the
  // evaluation fails with "setTimeout is not defined"): try again until it has.
  let failure = '';
  for (let i = 0; i < 100; i++) {
    const r = await target.send('Runtime.evaluate', { expression: 'setTimeout(() => { throw new Error("test crash"); }); true' });
    if (!r.exceptionDetails) return;
    failure = r.exceptionDetails.exception?.description ?? r.exceptionDetails.text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`could not throw in ${worker}: ${failure}`);
}

/**
 * Waits until exactly `count` running documents' URLs end with `host`, and
 * returns their targets (Chromium; Firefox has no such targets, and returns
 * none). Documents of closed pages leave the target list a moment after the
 * page closes: a test that closes pages and then starts a new document waits
 * for none first, so that the one found later is the new one and not a closed
 * page's document still on the list.
 */
export async function hostsSettled(cb, host, count) {
  if (cb.name === 'firefox') return [];
  let hosts = [];
  for (let i = 0; i < 100; i++) {
    hosts = cb.browser.targets().filter((t) => t.url().endsWith(host));
    if (hosts.length === count) return hosts;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${hosts.length} running documents end with ${host}, not ${count}`);
}
