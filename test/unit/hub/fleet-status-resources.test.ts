// The hub writes a status's resources (most of its size) with the first status of an agent's link,
// then only when they change: a status after a sync that repeats them (lean, completed on the link,
// or whole and equal) writes only the rest. A new link writes them again: meanwhile another hub
// sharing the database may have stored others.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { ResourceStatus, StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { Fleet } from '../../../hub/fleet.js';
import { SqlHostStorage } from '../../../hub/storage/host-queries.js';
import { openSqliteStorage } from '../../../hub/storage/open.js';
import type { HostWrite } from '../../../hub/storage/port.js';
import { sameResources } from '../../../hub/status-resources.js';

/** The real queries on an in-memory database, noting for each host written whether its resources were. */
class RecordingStore extends SqlHostStorage {
  writes: string[] = [];
  failNext = false;
  override saveHosts(rows: readonly HostWrite[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('disk full'));
    }
    this.writes.push(...rows.map((r) => `${r.host}${r.resourcesStored === true ? '' : ' +resources'}`));
    return super.saveHosts(rows);
  }
  taken(): string[] {
    const out = this.writes.sort();
    this.writes = [];
    return out;
  }
}

const resources = (health: ResourceStatus['health'] = 'healthy'): ResourceStatus[] =>
  Array.from({ length: 20 }, (_, k) => ({ kind: 'container', name: `svc-${k}`, health, detail: 'running' }));

const status = (applied: string, res: ResourceStatus[]): StatusSnapshot => ({
  host: 'h1', version: '1', branch: 'hosts/h1', revision: { applied, lastGood: applied, head: applied }, state: 'idle',
  lastSync: null, source: null, suspended: null, pending: null, resources: res, drift: [], hub: null,
});

function setup(): { fleet: Fleet; store: RecordingStore } {
  const store = new RecordingStore(openSqliteStorage(':memory:').exec, 'sqlite');
  const fleet = new Fleet(
    { store, logger: pino({ level: 'silent' }), now: () => new Date('2026-12-01T00:00:00Z'), alerts: { send: () => undefined, drain: async () => undefined } },
    { offlineAfterMs: 60_000, suspendedAfterMs: 3_600_000, eventsPerHost: 100, eventBytesPerHost: 1 << 20 },
  );
  return { fleet, store };
}

async function statusThenFlush(fleet: Fleet, s: StatusSnapshot): Promise<void> {
  await fleet.take('h1', { t: 'status', status: s });
  await fleet.flush();
}

describe('the hub storing a status\'s resources', () => {
  it('writes them with the first status of a link, then not for a status that carries the same array (a lean one completed on the link)', async () => {
    const { fleet, store } = setup();
    await fleet.connected('h1', 0);
    const linkResources = resources();
    await statusThenFlush(fleet, status('a'.repeat(40), linkResources));
    assert.deepEqual(store.taken(), ['h1 +resources']);
    await statusThenFlush(fleet, status('b'.repeat(40), linkResources));
    assert.deepEqual(store.taken(), ['h1']);
    assert.equal((await store.loadHost('h1'))?.status?.revision.applied, 'b'.repeat(40));
  });

  it('does not write them for a whole status whose resources are equal, and writes them when one changed', async () => {
    const { fleet, store } = setup();
    await fleet.connected('h1', 0);
    await statusThenFlush(fleet, status('a'.repeat(40), resources()));
    store.taken();
    await statusThenFlush(fleet, status('b'.repeat(40), resources()));
    assert.deepEqual(store.taken(), ['h1']);
    await statusThenFlush(fleet, status('c'.repeat(40), resources('unhealthy')));
    assert.deepEqual(store.taken(), ['h1 +resources']);
    assert.deepEqual((await store.loadHost('h1'))?.status?.resources, resources('unhealthy'));
  });

  it('writes them again after the agent links again, even unchanged', async () => {
    const { fleet, store } = setup();
    await fleet.connected('h1', 0);
    const same = resources();
    await statusThenFlush(fleet, status('a'.repeat(40), same));
    fleet.disconnected('h1');
    await fleet.connected('h1', 0);
    store.taken();
    await statusThenFlush(fleet, status('b'.repeat(40), same));
    assert.deepEqual(store.taken(), ['h1 +resources']);
  });

  it('writes them at the next flush when the flush that carried them failed', async () => {
    const { fleet, store } = setup();
    await fleet.connected('h1', 0);
    store.failNext = true;
    await fleet.take('h1', { t: 'status', status: status('a'.repeat(40), resources()) });
    await assert.rejects(fleet.flush(), /disk full/);
    await fleet.flush();
    assert.deepEqual(store.taken(), ['h1 +resources']);
    assert.deepEqual((await store.loadHost('h1'))?.status?.resources, resources());
  });
});

describe('sameResources', () => {
  it('holds for the same array and for equal ones, not for a missing, shorter or changed one', () => {
    const a = resources();
    assert.equal(sameResources(a, a), true);
    assert.equal(sameResources(a, resources()), true);
    assert.equal(sameResources(a, null), false);
    assert.equal(sameResources(a, a.slice(1)), false);
    assert.equal(sameResources(a, a.map((r, i) => (i === 7 ? { ...r, detail: 'exited' } : r))), false);
    assert.equal(sameResources([], []), true);
  });
});
