import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byCodeUnits } from '../../../agent/planner/order.js';

describe("the planner's order of names", () => {
  it('is the order of UTF-16 code units, whatever the locale would say', () => {
    const names = ['web_1', 'Web', 'web-1', 'web1', 'é', 'e'];
    assert.deepEqual([...names].sort(byCodeUnits), ['Web', 'e', 'web-1', 'web1', 'web_1', 'é']);
    assert.deepEqual([...names].sort(byCodeUnits), [...names].sort());
  });
  it('says equal names are equal', () => {
    assert.equal(byCodeUnits('app-db-1', 'app-db-1'), 0);
  });
});
