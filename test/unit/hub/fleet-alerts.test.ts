// The alerts the fleet raises from agents' events: one for each way a sync can fail and for
// drift, with the host, commits and the agent's reason in one line; none for the other events.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceChange } from '../../../agent/contracts/changes.js';
import type { ErrorJSON } from '../../../agent/contracts/errors.js';
import { eventAlert, offlineAlert, suspendedAlert } from '../../../hub/fleet-alerts.js';

const a = 'a'.repeat(40);
const b = 'b'.repeat(40);
const error = (message: string): ErrorJSON => ({ name: 'HealthGateError', code: 'HEALTH_GATE', message, handling: 'commit' });

describe('the fleet alerting on agents\' events', () => {
  it('says which commit failed and why', () => {
    assert.deepEqual(eventAlert('edge-01', { type: 'sync.failed', commit: a, error: error('web unhealthy') }), {
      kind: 'sync.failed', host: 'edge-01', text: `edge-01: sync of ${a.slice(0, 12)} failed: web unhealthy`,
      data: { event: { type: 'sync.failed', commit: a, error: error('web unhealthy') } },
    });
  });

  it('names both commits of a rollback, and both reasons when the rollback failed too', () => {
    assert.equal(eventAlert('edge-01', { type: 'sync.rolledBack', commit: a, to: b, error: error('web unhealthy') })?.text,
      `edge-01: rolled back ${a.slice(0, 12)} to ${b.slice(0, 12)}: web unhealthy`);
    assert.equal(eventAlert('edge-01', { type: 'sync.rollbackFailed', commit: a, to: b, error: error('web unhealthy'), rollbackError: error('port taken') })?.text,
      `edge-01: ${a.slice(0, 12)} failed, rollback failed: web unhealthy; putting back ${b.slice(0, 12)} failed: port taken`);
  });

  it('counts drifted resources and says whether they were put back', () => {
    const change: ResourceChange = { kind: 'container', name: 'web', action: 'start', why: 'stopped by hand', fields: [], drift: true };
    const alert = eventAlert('edge-01', { type: 'drift.detected', changes: [change, { ...change, name: 'worker' }], healed: true });
    assert.equal(alert?.text, 'edge-01: 2 resource(s) drifted, put back');
  });

  it('raises nothing for a sync that succeeded or a commit waiting for its window', () => {
    assert.equal(eventAlert('edge-01', { type: 'sync.succeeded', commit: a, changes: 1, durationMs: 900 }), null);
    assert.equal(eventAlert('edge-01', { type: 'commit.pending', commit: a, until: '2026-12-02T22:00:00Z' }), null);
  });

  it('words the offline and long-suspension alerts with their times', () => {
    assert.equal(offlineAlert('edge-01', '2026-12-02T10:00:00Z').text, 'edge-01 is offline (last heartbeat 2026-12-02T10:00:00Z)');
    assert.equal(suspendedAlert('edge-01', { until: '2026-12-03T00:00:00Z', reason: 'disk swap', since: '2026-12-02T09:00:00Z' }).text,
      'edge-01 suspended since 2026-12-02T09:00:00Z: disk swap');
  });
});
