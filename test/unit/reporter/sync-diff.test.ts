import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceChange } from '../../../agent/planner/steps.js';
import { syncDiff } from '../../../agent/contracts/events.js';

const change = (i: number, value = 'x'): ResourceChange => ({ kind: 'container', name: `web-${i}`, action: 'replace', why: 'env changed', fields: [{ field: 'env.A', from: value, to: `${value}!` }], drift: false });

describe('the field-level changes a sync.succeeded event carries', () => {
  it('carries each change with its fields as the plan had them', () => {
    assert.deepEqual(syncDiff([change(1)]), [change(1)]);
  });
  it('stays bounded: 100 changes at most, long values cut, about 64 KiB in all', () => {
    assert.equal(syncDiff(Array.from({ length: 300 }, (_, i) => change(i))).length, 100);
    const long = syncDiff([change(1, 'v'.repeat(10_000))]);
    assert.equal(long[0]?.fields[0]?.from?.length, 1024);
    const big = syncDiff(Array.from({ length: 100 }, (_, i) => change(i, 'v'.repeat(1000))));
    assert.ok(JSON.stringify(big).length <= 64 * 1024 + 2000 && big.length < 100);
  });
});
