// The runtime message catalogue (extension/lib/messages.js): every receiver
// validates with `validate` before acting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MSG, send, validate } from '../../extension/lib/messages.js';

describe('validate', () => {
  it('accepts every declared type with its fields', () => {
    assert.ok(validate({ type: MSG.TAB_STATUS, tabId: 3 }));
    assert.ok(validate({ type: MSG.STATUS_PING, nonce: 'n' }));
    assert.ok(validate({ type: MSG.RECORD_OP, name: 'a', status: 'encrypted', size: 1 }));
    assert.ok(validate({ type: MSG.RECORD_OP, name: 'a', status: 'blocked', size: 1, code: 'locked', message: 'm' }));
  });
  it('refuses undeclared types, missing or mistyped fields, and oversized strings', () => {
    for (const bad of [null, 'tab-status', {}, { type: 'nope' }, { type: 'toString' }, { type: '__proto__' },
      { type: MSG.TAB_STATUS }, { type: MSG.TAB_STATUS, tabId: '3' }, { type: MSG.TAB_STATUS, tabId: Infinity },
      { type: MSG.TAB_STATUS, tabId: Number.NaN }, { type: MSG.CLAIM_PAIRING, token: 'x'.repeat(4097) },
      { type: MSG.RECORD_OP, name: 'a', status: 'x', size: 1, code: 5 }]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
    }
  });
  it('declares every type once', () => {
    const values = Object.values(MSG);
    assert.equal(new Set(values).size, values.length);
  });
});

describe('send', () => {
  it('sends only valid messages', async () => {
    const sent = [];
    const ext = { runtime: { sendMessage: async (m) => { sent.push(m); return { ok: true }; } } };
    assert.deepEqual(await send(ext, MSG.LOCK), { ok: true });
    await assert.rejects(send(ext, MSG.TAB_STATUS, { tabId: 'x' }), /invalid message/);
    assert.deepEqual(sent, [{ type: MSG.LOCK }]);
  });
});
