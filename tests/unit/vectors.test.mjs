// Every committed vector through the WASM build and the extension's own
// decryptStream and WebCrypto opener (extension/lib/), straight in Node: the
// same harness the browsers run (tests/wasm/harness.js), in seconds.
import { before, describe, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { runSelfTests, runVector, setUp } from '../wasm/harness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const index = JSON.parse(await readFile(join(ROOT, 'tests/vectors/vectors.json'), 'utf8'));

describe('vectors in Node', () => {
  before(async () => {
    await setUp({
      read: async (name) => new Uint8Array(await readFile(join(ROOT, 'tests/vectors', name))),
      wasm: await readFile(join(ROOT, 'extension/lib/wasm/cloak_bg.wasm')),
      testWasm: await readFile(join(ROOT, 'tests/wasm/pkg/cloak_bg.wasm')),
    });
  });
  for (const v of index.vectors) it(v.name, () => runVector(v));
  it('JS API round trips', async () => {
    const results = await runSelfTests();
    for (const [test, outcome] of Object.entries(results)) assert.equal(outcome, 'ok', test);
  });
});

describe('the shipped WASM bundle', () => {
  const TEST_ONLY = ['sealChunk', 'openChunk', 'chunkNonce', 'deriveChunkKeys'];
  it('has none of the chunk-level test exports, which the test bundle has', async () => {
    const shipped = await import('../../extension/lib/wasm/cloak.js');
    const testBundle = await import('../wasm/pkg/cloak.js');
    for (const name of TEST_ONLY) {
      assert.equal(typeof testBundle[name], 'function', `the test bundle lacks ${name}: this check could not fail`);
      assert.equal(name in shipped, false, `the shipped bundle exports ${name}`);
    }
  });
});

