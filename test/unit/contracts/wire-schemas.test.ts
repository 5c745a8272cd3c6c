// The control socket's reply schemas check what a running agent says; they must let through
// every field the agent sends, or `moor status` silently loses it (zod drops unknown keys).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseControlReply } from '../../../agent/contracts/control-replies.js';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';

/** A status with every optional field set: a new field missing from the schema fails here. */
const full: Required<StatusSnapshot> = {
  host: 'edge-01',
  version: '0.1.0',
  branch: 'hosts/edge-01',
  revision: { applied: 'a'.repeat(40), lastGood: 'a'.repeat(40), head: 'b'.repeat(40) },
  commit: { id: 'a'.repeat(40), author: 'Ada', email: 'ada@example.com', date: '2026-12-02T00:00:00Z', message: 'telegraf 1.30' },
  state: 'suspended',
  lastSync: { at: '2026-12-02T00:00:00Z', commit: 'a'.repeat(40), result: 'converged', error: null },
  source: { ok: false, at: '2026-12-02T00:00:00Z', error: { name: 'SourceError', code: 'SOURCE_UNREACHABLE', message: 'down', handling: 'retry' } },
  suspended: { until: '2026-12-02T02:00:00Z', reason: 'swap disk', since: '2026-12-02T00:00:00Z', by: 'hub:op' },
  pending: { commit: 'b'.repeat(40), until: null },
  resources: [{ kind: 'container', name: 'app-web', health: 'healthy', detail: 'running' }],
  drift: [{ resource: 'container app-web', detail: 'env changed' }],
  hub: { url: 'wss://hub.example.com/agent', connected: true, outbox: 0 },
  labels: { site: 'berlin' },
  bugs: { count: 1, last: { at: '2026-12-02T00:00:00Z', message: 'TypeError' } },
  engine: { ok: true, since: null, error: null },
};

describe('the control protocol reply schemas', () => {
  it('pass a status with every field the agent may send, unchanged', () => {
    assert.deepEqual(parseControlReply('status', structuredClone(full)), full);
  });

  it('refuse a status whose shape is wrong instead of passing it on', () => {
    assert.equal(parseControlReply('status', { ...full, revision: 'abc' }), null);
  });

  it('keep who suspended the agent in the suspend reply', () => {
    const reply = { until: '2026-12-02T02:00:00Z', reason: 'swap disk', since: '2026-12-02T00:00:00Z', by: 'local:root' };
    assert.deepEqual(parseControlReply('suspend', reply), reply);
  });
});
