// One test per committed vector, run by the WASM build inside headless Chromium
// and Firefox, plus round trips through the JS-facing API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSERS } from '../lib/browsers.mjs';
import { openRepoPage } from '../lib/static-server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const MIN_VECTORS = 91;
const index = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/vectors.json'), 'utf8'));

it('finds every committed vector', () => {
  assert.ok(index.vectors.length >= MIN_VECTORS, `found ${index.vectors.length}`);
  assert.equal(index.count, index.vectors.length);
});

for (const name of BROWSERS) {
  describe(`WASM vectors in ${name}`, () => {
    let opened;
    let page;
    before(async () => {
      opened = await openRepoPage(name, '/tests/wasm/harness.html');
      ({ page } = opened);
      await page.waitForFunction(() => window.cloakHarness?.ready, { timeout: 30000, polling: 100 });
    });
    after(() => opened?.close());
    for (const v of index.vectors) {
      it(v.name, async () => {
        await page.evaluate((vector) => window.cloakHarness.runVector(vector), v);
      });
    }
    it('JS API round trips (streaming, WebCrypto plan, recipients, key files)', async () => {
      const results = await page.evaluate(() => window.cloakHarness.runSelfTests());
      for (const [test, outcome] of Object.entries(results)) assert.equal(outcome, 'ok', test);
      assert.equal(Object.keys(results).length, 3);
    });
  });
}
