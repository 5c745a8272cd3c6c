import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { confirmedOutcome, OutcomeBook, outcomeOfEvent, outcomeOfStatus } from '../../../hub/rollouts/reports.js';

const C = 'c'.repeat(40);
const OLD = 'o'.repeat(40);

function status(patch: Partial<StatusSnapshot>): StatusSnapshot {
  return {
    host: 'h', version: 't', branch: 'hosts/h', revision: { applied: C, lastGood: C, head: C }, state: 'idle',
    lastSync: { at: '', commit: C, result: 'converged', error: null }, source: null, suspended: null, pending: null,
    resources: [{ kind: 'container', name: 'web', health: 'healthy', detail: '' }], drift: [], hub: null, ...patch,
  };
}

describe("reading the agents' reports about a commit", () => {
  it('counts a status as success only when the host runs exactly that commit with nothing unhealthy', () => {
    assert.equal(outcomeOfStatus(status({}))?.ok, true);
    assert.equal(outcomeOfStatus(status({ revision: { applied: OLD, lastGood: OLD, head: C } })), null);
    assert.equal(outcomeOfStatus(status({ resources: [{ kind: 'container', name: 'web', health: 'unhealthy', detail: '' }] })), null);
  });
  it('turns failed, rolled-back, rollback-failed, invalid and refused into failures with the error as evidence', () => {
    for (const result of ['failed', 'rolled-back', 'rollback-failed', 'invalid', 'refused']) {
      const o = outcomeOfStatus(status({ lastSync: { at: '', commit: C, result, error: { name: 'UnhealthyError', code: 'UNHEALTHY', message: 'web is unhealthy', handling: 'commit' } } }));
      assert.equal(o?.ok, false);
      assert.equal(o?.result, result);
      assert.equal(o?.message, 'web is unhealthy');
    }
  });
  it('counts a reported success only once the hub sees the host on that commit, a failure at once', () => {
    const ok = outcomeOfEvent({ seq: 1, at: '', event: { type: 'sync.succeeded', commit: C, changes: 1, durationMs: 1 } });
    assert.ok(ok);
    assert.equal(confirmedOutcome(ok, status({ revision: { applied: OLD, lastGood: OLD, head: C } })), null, 'the status still shows the old commit');
    assert.equal(confirmedOutcome(ok, null), null, 'no status yet');
    assert.equal(confirmedOutcome(ok, status({})), ok);
    const failed = { ...ok, ok: false, result: 'failed' };
    assert.equal(confirmedOutcome(failed, status({ revision: { applied: OLD, lastGood: OLD, head: C } })), failed);
    assert.equal(confirmedOutcome(null, status({})), null);
  });
  it('reads sync events by type', () => {
    const at = '2026-01-01T00:00:00Z';
    assert.equal(outcomeOfEvent({ seq: 1, at, event: { type: 'sync.succeeded', commit: C, changes: 1, durationMs: 5 } })?.ok, true);
    assert.equal(outcomeOfEvent({ seq: 2, at, event: { type: 'commit.refused', commit: C, reason: 'unsigned' } })?.message, 'unsigned');
    assert.equal(outcomeOfEvent({ seq: 3, at, event: { type: 'agent.started', version: 't' } }), null);
    const error = { name: 'HealthError', code: 'UNHEALTHY', message: 'web exited', handling: 'commit' as const };
    const rollbackError = { name: 'DockerError', code: 'IMAGE_NOT_FOUND', message: 'app:1 is gone', handling: 'commit' as const };
    const failed = outcomeOfEvent({ seq: 4, at, event: { type: 'sync.rollbackFailed', commit: C, to: OLD, error, rollbackError } });
    assert.deepEqual([failed?.ok, failed?.result, failed?.message], [false, 'rollback-failed', 'web exited; rollback failed: app:1 is gone']);
  });
  it('keeps the outcome per commit, so a report about another commit never answers for this one', () => {
    const book = new OutcomeBook();
    book.record('h', { commit: OLD, ok: true, result: 'succeeded', at: '', message: '', evidence: null });
    assert.equal(book.about('h', C)?.commit, OLD, 'the latest report comes back as evidence only');
    book.record('h', { commit: C, ok: false, result: 'failed', at: '', message: '', evidence: null });
    book.record('h', { commit: OLD, ok: true, result: 'succeeded', at: '', message: '', evidence: null });
    assert.equal(book.about('h', C)?.ok, false);
  });
});
