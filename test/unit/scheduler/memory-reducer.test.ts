// When the daemon asks V8 for a full collection: after every 100th sync, or at the first sync's
// end once ten minutes have passed since the last collection; never otherwise.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryReducer } from '../../../agent/memory-reducer.js';

function reducer() {
  let clock = 0;
  let collections = 0;
  const r = new MemoryReducer({ everySyncs: 100, everyMs: 600_000, now: () => clock, collect: () => void collections++ });
  return { r, advance: (ms: number) => void (clock += ms), collections: () => collections };
}

describe('the memory reducer', () => {
  it('collects after every 100th sync, however quick', () => {
    const { r, collections } = reducer();
    for (let i = 1; i <= 250; i++) assert.equal(r.afterSync(), i % 100 === 0, `sync ${i}`);
    assert.equal(collections(), 2);
  });

  it('collects at the end of the first sync ten minutes after the last collection', () => {
    const { r, advance, collections } = reducer();
    advance(599_999);
    assert.equal(r.afterSync(), false);
    advance(1);
    assert.equal(r.afterSync(), true);
    assert.equal(r.afterSync(), false);
    assert.equal(collections(), 1);
  });

  it('counts syncs from the last collection, whatever caused it', () => {
    const { r, advance } = reducer();
    for (let i = 0; i < 50; i++) r.afterSync();
    advance(600_000);
    assert.equal(r.afterSync(), true);
    for (let i = 1; i < 100; i++) assert.equal(r.afterSync(), false);
    assert.equal(r.afterSync(), true);
  });
});
