// The agents' connect-time token check: the tokens of one moment go out in one lookup, those that
// arrive while the lookups allowed at once run in the next, and each upgrade learns only its own answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenCheck } from '../../../hub/token-check.js';
import type { TokenLink } from '../../../hub/storage/port.js';

const KNOWN: Record<string, TokenLink> = { 'tok-a': { host: 'edge-a', lastSeq: 7 }, 'tok-b': { host: 'edge-b', lastSeq: 0 }, 'tok-c': { host: 'edge-c', lastSeq: 3 } };

/** A store that records each lookup and answers it when told to (or fails it). */
function gatedStore() {
  const lookups: string[][] = [];
  const gates: { answer: () => void; fail: (err: Error) => void }[] = [];
  const lookup = (tokens: readonly string[]): Promise<Map<string, TokenLink>> => {
    lookups.push([...tokens]);
    return new Promise((resolve, reject) => gates.push({
      answer: () => resolve(new Map(tokens.flatMap((t) => (KNOWN[t] ? [[t, KNOWN[t]] as const] : [])))),
      fail: reject,
    }));
  };
  return { lookups, gates, lookup };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('connect-time token check', () => {
  it('looks up the tokens of one moment in one query and gives each its own host and stored seq', async () => {
    const store = gatedStore();
    const check = new TokenCheck({ lookup: store.lookup });
    const answers = Promise.all(['tok-a', 'tok-unknown', 'tok-c'].map((t) => check.check(t)));
    await settle();
    assert.deepEqual(store.lookups, [['tok-a', 'tok-unknown', 'tok-c']]);
    store.gates[0]?.answer();
    assert.deepEqual(await answers, [{ host: 'edge-a', lastSeq: 7 }, null, { host: 'edge-c', lastSeq: 3 }]);
    assert.deepEqual(check.counts, { lookups: 1, tokens: 3 });
  });

  it('keeps the tokens that arrive while the allowed lookups run for the next one', async () => {
    const store = gatedStore();
    const check = new TokenCheck({ lookup: store.lookup }, { maxBatch: 500, maxInFlight: 1 });
    const first = check.check('tok-a');
    await settle();
    const later = [check.check('tok-b'), check.check('tok-c')];
    await settle();
    assert.deepEqual(store.lookups, [['tok-a']], 'no second query while the one allowed is under way');
    store.gates[0]?.answer();
    assert.deepEqual(await first, { host: 'edge-a', lastSeq: 7 });
    await settle();
    assert.deepEqual(store.lookups, [['tok-a'], ['tok-b', 'tok-c']]);
    store.gates[1]?.answer();
    assert.deepEqual((await Promise.all(later)).map((l) => l?.host), ['edge-b', 'edge-c']);
  });

  it('runs a few lookups at once, each with the tokens that arrived since the previous one', async () => {
    const store = gatedStore();
    const check = new TokenCheck({ lookup: store.lookup }, { maxBatch: 500, maxInFlight: 2 });
    const a = check.check('tok-a');
    await settle();
    const b = check.check('tok-b');
    await settle();
    const c = check.check('tok-c');
    await settle();
    assert.deepEqual(store.lookups, [['tok-a'], ['tok-b']], 'two under way, the third waits');
    store.gates[1]?.answer();
    assert.deepEqual(await b, { host: 'edge-b', lastSeq: 0 });
    await settle();
    assert.deepEqual(store.lookups, [['tok-a'], ['tok-b'], ['tok-c']]);
    store.gates[0]?.answer();
    store.gates[2]?.answer();
    assert.deepEqual([(await a)?.host, (await c)?.host], ['edge-a', 'edge-c']);
  });

  it('asks for the same token once when two upgrades carry it', async () => {
    const store = gatedStore();
    const check = new TokenCheck({ lookup: store.lookup });
    const both = Promise.all([check.check('tok-a'), check.check('tok-a')]);
    await settle();
    assert.deepEqual(store.lookups, [['tok-a']]);
    store.gates[0]?.answer();
    assert.deepEqual((await both).map((l) => l?.host), ['edge-a', 'edge-a']);
  });

  it('splits a storm into lookups of at most the batch size', async () => {
    const store = gatedStore();
    const check = new TokenCheck({ lookup: store.lookup }, { maxBatch: 2, maxInFlight: 1 });
    const all = Promise.all(['tok-a', 'tok-b', 'tok-c'].map((t) => check.check(t)));
    await settle();
    assert.deepEqual(store.lookups, [['tok-a', 'tok-b']]);
    store.gates[0]?.answer();
    await settle();
    await settle();
    assert.deepEqual(store.lookups, [['tok-a', 'tok-b'], ['tok-c']]);
    store.gates[1]?.answer();
    assert.equal((await all).length, 3);
  });

  it('fails every upgrade of a failed lookup, and the next lookup still runs', async () => {
    const store = gatedStore();
    const check = new TokenCheck({ lookup: store.lookup });
    const failed = Promise.allSettled([check.check('tok-a'), check.check('tok-b')]);
    await settle();
    store.gates[0]?.fail(new Error('database unreachable'));
    assert.deepEqual((await failed).map((r) => r.status), ['rejected', 'rejected']);
    const next = check.check('tok-c');
    await settle();
    store.gates[1]?.answer();
    assert.deepEqual(await next, { host: 'edge-c', lastSeq: 3 });
  });
});
