// The hub's event intake: frames of many hosts that arrive together are stored in one transaction,
// one host's frames alone at once, and each sender learns its own result only after that
// transaction is committed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventIntake, MAX_BATCH } from '../../../hub/event-intake.js';
import type { EventBatchItem, InsertedEvents } from '../../../hub/storage/port.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const CAPS = { rows: 100, bytes: 1 << 20 };

function item(host: string, seq: number): EventBatchItem {
  return { host, lastSeq: 0, entries: [{ seq, at: NOW.toISOString(), event: { type: 'engine.recovered' } }], received: NOW };
}

/** A store that records each batch and commits it when told to. */
function gatedStore() {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const write = (items: readonly EventBatchItem[]): Promise<InsertedEvents[]> => {
    batches.push(items.map((i) => i.host));
    return new Promise((resolve) => gates.push(() => resolve(items.map((i) => ({ fresh: [...i.entries], lastSeq: i.entries[0]?.seq ?? 0 })))));
  };
  return { batches, gates, write };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('event intake', () => {
  it('writes the frames of one moment in one batch and answers each sender after the commit', async () => {
    const store = gatedStore();
    const intake = new EventIntake(store.write, CAPS);
    let answered = 0;
    const pending = ['a', 'b', 'c'].map((h, i) => intake.insert(item(h, i + 1)).then((r) => (answered++, r)));
    await settle();
    assert.deepEqual(store.batches, [['a', 'b', 'c']]);
    assert.equal(answered, 0, 'nobody is answered before the commit');
    store.gates[0]?.();
    const results = await Promise.all(pending);
    assert.deepEqual(results.map((r) => r.lastSeq), [1, 2, 3]);
  });

  it('gathers the frames that arrive during a write into the next one', async () => {
    const store = gatedStore();
    const intake = new EventIntake(store.write, CAPS);
    const first = intake.insert(item('a', 1));
    await settle();
    const later = [intake.insert(item('b', 1)), intake.insert(item('c', 1))];
    await settle();
    assert.deepEqual(store.batches, [['a']], 'one write at a time');
    store.gates[0]?.();
    await first;
    await settle();
    assert.deepEqual(store.batches, [['a'], ['b', 'c']]);
    store.gates[1]?.();
    await Promise.all(later);
    assert.equal(intake.backlog, 0);
  });

  it('holds the frames that follow a write for the rest of the gathering window, then writes them together', async () => {
    const batches: string[][] = [];
    const intake = new EventIntake(async (items) => (batches.push(items.map((i) => i.host)), items.map(() => ({ fresh: [], lastSeq: 0 }))), CAPS, 50);
    await intake.insert(item('a', 1));
    assert.deepEqual(batches, [['a']], 'a lone frame is written at once');
    const later = [intake.insert(item('b', 1)), intake.insert(item('c', 1))];
    await settle();
    assert.deepEqual(batches, [['a']], 'the frames right after it wait for the window');
    await Promise.all(later);
    assert.deepEqual(batches, [['a'], ['b', 'c']], 'and go in one write');
  });

  it('writes one host\'s frames at once, one after the other: its outbox drains without waiting for windows', async () => {
    const batches: string[][] = [];
    const intake = new EventIntake(async (items) => (batches.push(items.map((i) => i.host)), items.map(() => ({ fresh: [], lastSeq: 0 }))), CAPS, 60_000);
    const drained = (async () => {
      for (let seq = 1; seq <= 5; seq++) await intake.insert(item('a', seq));
      return 'drained';
    })();
    const waited = new Promise<string>((resolve) => setTimeout(() => resolve('held for the window'), 5_000).unref());
    assert.equal(await Promise.race([drained, waited]), 'drained');
    assert.deepEqual(batches, [['a'], ['a'], ['a'], ['a'], ['a']]);
  });

  it('tells every sender of a failed batch, and goes on with the next', async () => {
    let calls = 0;
    const intake = new EventIntake(async (items) => {
      if (calls++ === 0) throw new Error('disk full');
      return items.map(() => ({ fresh: [], lastSeq: 0 }));
    }, CAPS);
    const failed = await Promise.allSettled([intake.insert(item('a', 1)), intake.insert(item('b', 1))]);
    assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
    assert.deepEqual(await intake.insert(item('c', 1)), { fresh: [], lastSeq: 0 });
  });

  it(`splits a burst larger than ${MAX_BATCH} frames into several transactions`, async () => {
    const sizes: number[] = [];
    const intake = new EventIntake(async (items) => (sizes.push(items.length), items.map(() => ({ fresh: [], lastSeq: 0 }))), CAPS);
    await Promise.all(Array.from({ length: MAX_BATCH + 10 }, (_, i) => intake.insert(item(`h${i}`, 1))));
    assert.deepEqual(sizes, [MAX_BATCH, 10]);
  });
});
