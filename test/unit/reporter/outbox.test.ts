// The outbox keeps events in order in SQLite until acknowledged, and stays bounded.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../../agent/store/db.js';
import { Outbox } from '../../../agent/store/outbox.js';

const dir = mkdtempSync(join(tmpdir(), 'moor-outbox-'));
let n = 0;
const fixedNow = () => new Date('2030-01-01T00:00:00Z');
const fresh = (limit = 100) => {
  const file = join(dir, `o${n++}.db`);
  return { file, outbox: new Outbox({ db: openDatabase({ file }), now: fixedNow }, { limit }) };
};

describe('outbox', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('returns events in the order they were appended, with rising sequence numbers', () => {
    const { outbox } = fresh();
    const seqs = ['a', 'b', 'c'].map((reason) => outbox.append({ type: 'agent.resumed', reason }));
    assert.deepEqual(seqs, [1, 2, 3]);
    const read = outbox.read(0, 10);
    assert.deepEqual(read.map((e) => e.event), [
      { type: 'agent.resumed', reason: 'a' }, { type: 'agent.resumed', reason: 'b' }, { type: 'agent.resumed', reason: 'c' },
    ]);
    assert.equal(read[0]?.at, '2030-01-01T00:00:00.000Z');
    assert.deepEqual(outbox.read(2, 10).map((e) => e.seq), [3]);
  });

  it('forgets events only up to the acknowledged sequence number', () => {
    const { outbox } = fresh();
    for (let i = 0; i < 5; i++) outbox.append({ type: 'agent.started', version: String(i) });
    outbox.ack(3);
    assert.equal(outbox.size(), 2);
    assert.deepEqual(outbox.read(0, 10).map((e) => e.seq), [4, 5]);
  });

  it('keeps unacknowledged events across a restart of the agent', () => {
    const { file, outbox } = fresh();
    outbox.append({ type: 'agent.started', version: '1' });
    outbox.append({ type: 'agent.started', version: '2' });
    const reopened = new Outbox({ db: openDatabase({ file }), now: fixedNow }, { limit: 100 });
    assert.equal(reopened.size(), 2);
    assert.equal(reopened.append({ type: 'agent.started', version: '3' }), 3);
  });

  it('drops the oldest events beyond its limit and says exactly how many in one events.dropped', () => {
    const { outbox } = fresh(20);
    for (let i = 0; i < 100; i++) outbox.append({ type: 'sync.started', commit: String(i), trigger: 'poll' });
    assert.ok(outbox.size() <= 20);
    const entries = outbox.read(0, 100);
    const dropped = entries.filter((e) => e.event.type === 'events.dropped');
    const kept = entries.filter((e) => e.event.type === 'sync.started');
    const droppedCount = dropped.reduce((sum, e) => sum + (e.event.type === 'events.dropped' ? e.event.count : 0), 0);
    assert.equal(dropped.length, 1, 'earlier markers fold into one');
    assert.equal(droppedCount + kept.length, 100);
    const commits = kept.map((e) => (e.event.type === 'sync.started' ? Number(e.event.commit) : -1));
    assert.deepEqual(commits, Array.from({ length: kept.length }, (_, i) => 100 - kept.length + i), 'the newest are kept, in order');
  });
});
