// The hub selects hosts by the fleet labels their agents report, as Kubernetes label selectors read.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { Fleet } from '../../../hub/fleet.js';
import { openSqliteStorage } from '../../../hub/storage/open.js';
import { parseSelector } from '../../../fleet/selector.js';

function fleetWith(hosts: Record<string, Record<string, string> | undefined>): Fleet {
  const fleet = new Fleet(
    { store: openSqliteStorage(':memory:').hosts, logger: pino({ level: 'silent' }), now: () => new Date('2026-12-01T00:00:00Z'), alerts: { send: () => undefined, drain: async () => undefined } },
    { offlineAfterMs: 60_000, suspendedAfterMs: 3_600_000, eventsPerHost: 1000, eventBytesPerHost: 16 * 1024 * 1024 },
  );
  for (const [host, labels] of Object.entries(hosts)) {
    // A heartbeat changes the record at once; the storage (SQLite in memory) needs no wait here.
    void fleet.connected(host);
    const summary = { applied: null, head: null, state: 'idle' as const, healthy: 1, unhealthy: 0, suspended: false, outbox: 0, ...(labels ? { labels } : {}) };
    void fleet.take(host, { t: 'heartbeat', at: '2026-12-01T00:00:00Z', metrics: null, summary });
  }
  return fleet;
}

describe('selecting hosts by label on the hub', () => {
  const fleet = fleetWith({
    'cam-berlin': { role: 'camera', site: 'berlin' },
    'cam-paris': { role: 'camera', site: 'paris' },
    'gw-berlin': { role: 'gateway', site: 'berlin' },
    'loner': undefined,
  });
  const hosts = (selector: string | null): string[] => fleet.list('all', '', selector === null ? null : parseSelector(selector)).views.map((v) => v.host);

  it('lists every host with its labels when no selector is given', () => {
    assert.deepEqual(hosts(null), ['cam-berlin', 'cam-paris', 'gw-berlin', 'loner']);
    assert.deepEqual(fleet.list('all', '').views.find((v) => v.host === 'cam-paris')?.labels, { role: 'camera', site: 'paris' });
    assert.deepEqual(fleet.list('all', '').views.find((v) => v.host === 'loner')?.labels, {});
  });

  it('selects by equality, set membership, inequality and existence', () => {
    assert.deepEqual(hosts('role=camera'), ['cam-berlin', 'cam-paris']);
    assert.deepEqual(hosts('role=camera,site in (berlin)'), ['cam-berlin']);
    // As in Kubernetes, != and notin also select hosts without the label.
    assert.deepEqual(hosts('site notin (paris),role!=gateway'), ['cam-berlin', 'loner']);
    assert.deepEqual(hosts('!role'), ['loner']);
  });

  it('counts per state filter only the selected hosts', () => {
    assert.equal(fleet.list('all', '', parseSelector('site=berlin')).counts.all, 2);
  });
});
