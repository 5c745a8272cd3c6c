// The hub raises its own alert for a failed rollback: "failed, rollback failed", never "rolled back".

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Alert } from '../../../hub/alerts.js';
import { Fleet } from '../../../hub/fleet.js';
import { openSqliteStorage } from '../../../hub/storage/open.js';

describe('the hub and a failed rollback', () => {
  it('alerts "failed, rollback failed" and counts the sync as rollback-failed', async () => {
    const alerts: Alert[] = [];
    const fleet = new Fleet(
      { store: openSqliteStorage(':memory:').hosts, logger: pino({ level: 'silent' }), now: () => new Date('2026-12-01T00:00:00Z'), alerts: { send: (a) => void alerts.push(a), drain: async () => undefined } },
      { offlineAfterMs: 60_000, suspendedAfterMs: 3_600_000, eventsPerHost: 1000, eventBytesPerHost: 16 * 1024 * 1024 },
    );
    await fleet.connected('edge-01');
    const error = { name: 'HealthError', code: 'UNHEALTHY', message: 'container web is exited (exit 1)', handling: 'commit' as const };
    const rollbackError = { name: 'DockerError', code: 'IMAGE_NOT_FOUND', message: 'image not found in its registry: app:1', handling: 'commit' as const };
    await fleet.take('edge-01', {
      t: 'events',
      events: [{ seq: 1, at: '2026-12-01T00:00:00Z', event: { type: 'sync.rollbackFailed', commit: 'b'.repeat(40), to: 'a'.repeat(40), error, rollbackError } }],
    });
    assert.deepEqual(alerts.map((a) => a.kind), ['sync.rollbackFailed']);
    assert.match(alerts[0]?.text ?? '', /edge-01: bbbbbbbbbbbb failed, rollback failed: container web is exited \(exit 1\); putting back aaaaaaaaaaaa failed: image not found/);
    assert.equal(fleet.counters.syncsByResult.get('rollback-failed'), 1);
  });
});
