import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarise } from '../../../agent/reporter/reporter.js';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { load, problems } from '../desired/fixtures.js';

describe('fleet labels on the host', () => {
  it('reads the labels a rendered moor.yaml carries', async () => {
    const state = await load({ 'moor.yaml': 'labels: { site: berlin, role: camera }\n' });
    assert.deepEqual(state.labels, { site: 'berlin', role: 'camera' });
  });
  it('has no labels outside a fleet', async () => {
    assert.deepEqual((await load({ 'moor.yaml': 'prune: { volumes: false }\n' })).labels, {});
  });
  it('refuses labels that are not a map of strings', async () => {
    const found = await problems({ 'moor.yaml': 'labels: [a, b]\n' });
    assert.equal(found.length, 1);
    assert.deepEqual([found[0]?.file, found[0]?.line, found[0]?.key], ['moor.yaml', 1, 'labels']);
  });
  it('sends them to the hub with every heartbeat', () => {
    const status = { revision: { applied: null, head: null, lastGood: null }, state: 'idle', resources: [], suspended: null, labels: { site: 'berlin' } } as unknown as StatusSnapshot;
    assert.deepEqual(summarise(status, 0).labels, { site: 'berlin' });
  });
});
