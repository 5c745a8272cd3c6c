import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostMetrics } from '../../../agent/contracts/hub-protocol.js';
import { parseAgentFrame } from '../../../hub/frames.js';
import { MetricsHistory, pointOf } from '../../../hub/metrics-history.js';
import { openSqliteStorage } from '../../../hub/storage/open.js';

const MIN = 60_000;
const metrics = (cpuLoad: number): HostMetrics => ({ cpuLoad, load1: 0.2, memUsed: 1024, memTotal: 4096, disks: [{ path: '/', used: 10, size: 100 }, { path: '/data', used: 90, size: 100 }], uptimeSec: 1, temperature: null });

describe('the heartbeat history behind the host page charts', () => {
  it('keeps one point per host per 5 minutes: the first heartbeat of each slot', async () => {
    const h = new MetricsHistory({ metrics: openSqliteStorage(':memory:').metrics });
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    for (let s = 0; s < 600; s += 15) {
      h.record('edge-1', metrics(s / 10), new Date(t0 + s * 1000));
      await h.flush();
    }
    const points = await h.points('edge-1', new Date(t0 + 10 * MIN));
    assert.deepEqual(points.map((p) => [p.at - t0, p.cpu]), [[0, 0], [5 * MIN, 30]]);
  });

  it('forgets points older than a day as new ones arrive, so a host never holds more than 289', async () => {
    const h = new MetricsHistory({ metrics: openSqliteStorage(':memory:').metrics });
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    for (let m = 0; m <= 36 * 60; m += 5) {
      h.record('edge-1', metrics(1), new Date(t0 + m * MIN));
      await h.flush();
    }
    const now = new Date(t0 + 36 * 60 * MIN);
    const points = await h.points('edge-1', now);
    assert.equal(points.length, 289);
    assert.equal(points[0]?.at, now.getTime() - 24 * 60 * MIN);
  });

  it('stores the points of many hosts in one write at the flush, and shows a point still waiting for it', async () => {
    const writes: number[] = [];
    const storage = openSqliteStorage(':memory:').metrics;
    const h = new MetricsHistory({ metrics: { addPoints: (p) => (writes.push(p.length), storage.addPoints(p)), points: (host, since) => storage.points(host, since) } });
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    for (let i = 0; i < 300; i++) h.record(`edge-${i}`, metrics(i % 100), new Date(t0 + i * 10));
    assert.deepEqual(writes, [], 'nothing is written per heartbeat');
    assert.deepEqual((await h.points('edge-7', new Date(t0 + MIN))).map((p) => p.cpu), [7], 'the waiting point is shown');
    assert.equal(await h.flush(), 300);
    assert.deepEqual(writes, [300]);
    assert.equal(await h.flush(), 0, 'nothing is written twice');
    assert.deepEqual((await h.points('edge-7', new Date(t0 + MIN))).map((p) => p.cpu), [7]);
  });

  it('takes a point again with its slot\'s next heartbeat when storing it failed', async () => {
    const storage = openSqliteStorage(':memory:').metrics;
    let fail = true;
    const h = new MetricsHistory({ metrics: { addPoints: (p) => (fail ? Promise.reject(new Error('disk full')) : storage.addPoints(p)), points: (host, since) => storage.points(host, since) } });
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    h.record('edge-1', metrics(10), new Date(t0));
    await assert.rejects(h.flush(), /disk full/);
    fail = false;
    h.record('edge-1', metrics(20), new Date(t0 + 15_000));
    await h.flush();
    assert.deepEqual((await h.points('edge-1', new Date(t0 + MIN))).map((p) => [p.at - t0, p.cpu]), [[0, 20]]);
  });

  it('reads memory and the fullest disk as percentages, and an unknown figure as none', () => {
    assert.deepEqual(pointOf(metrics(12.34), 0), { at: 0, cpu: 12.3, mem: 25, disk: 90 });
    assert.deepEqual(pointOf({ ...metrics(Number.NaN), memTotal: 0, disks: [] }, 0), { at: 0, cpu: null, mem: null, disk: null });
  });
});

describe('agent frames for the host page', () => {
  it('accept the applied commit author and message in a status, and the field-level changes of a sync', () => {
    const c = 'c'.repeat(40);
    const status = { host: 'h', version: '1', branch: 'hosts/h', revision: { applied: c, lastGood: c, head: c }, commit: { id: c, author: 'Ada', email: 'a@x', date: '2026-12-01T00:00:00.000Z', message: 'web 2' },
      state: 'idle', lastSync: null, source: null, suspended: null, pending: null, resources: [], drift: [], hub: null };
    assert.equal(parseAgentFrame(JSON.stringify({ t: 'status', status })).t, 'status');
    const diff = [{ kind: 'container', name: 'web', action: 'replace', why: 'env changed', fields: [{ field: 'env.VERSION', from: '1', to: '2' }], drift: false }];
    const frame = parseAgentFrame(JSON.stringify({ t: 'events', events: [{ seq: 1, at: '2026-12-01T00:00:00Z', event: { type: 'sync.succeeded', commit: c, changes: 1, durationMs: 5, diff } }] }));
    assert.equal(frame.t, 'events');
  });
});
