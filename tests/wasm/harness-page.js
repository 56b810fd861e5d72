// The browser side of tests/wasm/vectors.test.mjs: the harness over fetch.
import { runSelfTests, runVector, setUp } from './harness.js';

await setUp({ read: async (name) => new Uint8Array(await (await fetch(`/tests/vectors/${name}`)).arrayBuffer()) });
window.cloakHarness = { runVector, runSelfTests, ready: true };
