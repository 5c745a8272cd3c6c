// Safe rollouts against the real engine and a real git repo: health gate and rollback, windows,
// rewinds, break-glass suspension. Every test has a host of its own and runs alone.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testDocker } from '../../bed/docker-env.js';
import { compose, createHarness, service, useTestHost, type TestHost } from './harness.js';

const docker = testDocker();

async function managed(host: string): Promise<Map<string, { id: string; state: string; hash: string; revision: string }>> {
  const list = await docker.listContainers({ all: true, filters: { label: [`moor.host=${host}`, 'moor.managed=true'] } });
  return new Map(
    list.map((c) => [
      (c.Names[0] ?? '').slice(1),
      { id: c.Id, state: c.State, hash: c.Labels['moor.hash'] ?? '', revision: c.Labels['moor.revision'] ?? '' },
    ]),
  );
}

const HEALTHY = ['healthcheck:', '  test: ["CMD", "true"]', '  interval: 1s', '  retries: 1'];
const SICK = ['healthcheck:', '  test: ["CMD", "false"]', '  interval: 1s', '  retries: 1'];

describe('health gate and automatic rollback', () => {
  const t = useTestHost('rollback', {}, { each: true });

  async function applyHealthy(): Promise<string> {
    const good = await t.repo.commitFiles(t.branch, { 'compose.yaml': compose('rb', service('web', HEALTHY), service('db')) }, 'healthy');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    return good;
  }

  async function breakHealthcheck(): Promise<string> {
    return t.repo.commitFiles(
      t.branch,
      { 'compose.yaml': compose('rb', service('web', SICK), service('db')), 'moor.yaml': 'rollout: { healthTimeout: 20s }\n' },
      'break the healthcheck',
    );
  }

  it('applies a healthy commit once its healthcheck passes', async () => {
    const good = await applyHealthy();
    assert.equal(t.h.store.get('lastGood'), good);
  });

  it('rolls a commit whose healthcheck never passes back to the last good one', async () => {
    const good = await applyHealthy();
    const before = await managed(t.host);
    const bad = await breakHealthcheck();
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'rolled-back');
    assert.equal(out.error?.code, 'UNHEALTHY');
    // The evidence: which resource, its state, its last log lines.
    assert.equal(out.error?.data?.['resource'], 'container/rb-web');
    assert.match(String(out.error?.data?.['state']), /unhealthy/);
    assert.ok(Array.isArray(out.error?.data?.['logs']));
    const now = await managed(t.host);
    assert.equal(now.get('rb-web')?.revision, good, 'web runs the last good commit again');
    assert.equal(now.get('rb-db')?.id, before.get('rb-db')?.id, 'db was never touched');
    assert.equal(t.h.store.revision(bad)?.verdict, 'rolled-back');
    assert.equal(t.h.store.get('applied'), good);
    assert.ok(t.h.events.some((e) => e.type === 'sync.rolledBack' && e.commit === bad && e.to === good));
    assert.ok(!t.h.events.some((e) => e.type === 'sync.succeeded' && e.commit === bad), 'never reported as success');
  });

  it('does not retry the failed commit on the next poll', async () => {
    await applyHealthy();
    await breakHealthcheck();
    assert.equal((await t.h.reconciler.sync('commit')).result, 'rolled-back');
    const applies = t.h.store.applies(100).length;
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'rolled-back');
    assert.equal(t.h.store.applies(100).length, applies, 'no new apply');
  });

  it('applies a newer commit after the failed one', async () => {
    await applyHealthy();
    await breakHealthcheck();
    assert.equal((await t.h.reconciler.sync('commit')).result, 'rolled-back');
    const fixed = await t.repo.commitFiles(t.branch, { 'compose.yaml': compose('rb', service('web', [...HEALTHY, 'environment: { FIXED: "1" }']), service('db')), 'moor.yaml': null }, 'fix');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged');
    assert.equal((await managed(t.host)).get('rb-web')?.revision, fixed);
  });

  it('leaves a failed commit in place for inspection when rollback is off', async () => {
    await applyHealthy();
    const failed = await t.repo.commitFiles(
      t.branch,
      { 'compose.yaml': compose('rb', service('web', SICK), service('db')), 'moor.yaml': 'rollout: { healthTimeout: 20s, rollback: false }\n' },
      'break it, keep it',
    );
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'failed');
    assert.equal((await managed(t.host)).get('rb-web')?.revision, failed);
    // Self-heal does not undo the failed state while the branch stays there.
    const again = await t.h.reconciler.sync('commit');
    assert.equal(again.result, 'failed');
    assert.equal((await managed(t.host)).get('rb-web')?.revision, failed);
  });
});

describe('maintenance windows, rewinds and break-glass', () => {
  // 10:00 local time: outside the 02:00-03:00 window.
  const t = useTestHost('window', { clock: { now: new Date(2026, 10, 26, 10, 0, 0) } }, { each: true });
  const WINDOW = 'window: { schedule: "0 2 * * *", duration: 1h }\n';

  async function applyFirst(host: TestHost): Promise<string> {
    const first = await host.repo.commitFiles(host.branch, { 'compose.yaml': compose('win', service('web')) }, 'first');
    assert.equal((await host.h.reconciler.sync('commit')).result, 'converged');
    return first;
  }

  /** The first commit applied, and a second one waiting for its window. */
  async function deferSecond(): Promise<{ first: string; second: string }> {
    const first = await applyFirst(t);
    const second = await t.repo.commitFiles(t.branch, { 'compose.yaml': compose('win', service('web', ['environment: { V: "2" }'])), 'moor.yaml': WINDOW }, 'in the window');
    assert.equal((await t.h.reconciler.sync('commit')).result, 'pending');
    return { first, second };
  }

  it('applies the first commit (no window declared)', async () => {
    const first = await applyFirst(t);
    assert.equal(t.h.store.get('applied'), first);
  });

  it('defers a commit to its window, plans it now, and says until when', async () => {
    const first = await applyFirst(t);
    const second = await t.repo.commitFiles(t.branch, { 'compose.yaml': compose('win', service('web', ['environment: { V: "2" }'])), 'moor.yaml': WINDOW }, 'in the window');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'pending');
    assert.deepEqual(out.changes.map((c) => `${c.action} ${c.name}`), ['replace win-web']);
    const pending = t.h.store.get('pending');
    assert.equal(pending?.commit, second);
    assert.equal(new Date(pending?.until ?? '').getTime(), new Date(2026, 10, 27, 2, 0, 0).getTime());
    assert.equal((await managed(t.host)).get('win-web')?.revision, first, 'nothing applied yet');
  });

  it('heals drift outside the window all the same', async () => {
    const { first } = await deferSecond();
    await docker.getContainer('win-web').remove({ force: true });
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'pending');
    assert.equal((await managed(t.host)).get('win-web')?.revision, first, 'put back at the applied commit');
  });

  it('applies the deferred commit once the window opens', async () => {
    const { second } = await deferSecond();
    t.h.clock.now = new Date(2026, 10, 27, 2, 30, 0);
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged');
    assert.equal(t.h.store.get('pending'), null);
    assert.equal((await managed(t.host)).get('win-web')?.revision, second);
  });

  it('skips the window for a commit with a Moor-Apply: now trailer', async () => {
    await applyFirst(t);
    const urgent = await t.repo.commitFiles(
      t.branch,
      { 'compose.yaml': compose('win', service('web', ['environment: { V: "3" }'])), 'moor.yaml': WINDOW },
      'hotfix\n\nMoor-Apply: now',
    );
    assert.equal((await t.h.reconciler.sync('commit')).result, 'converged');
    assert.equal((await managed(t.host)).get('win-web')?.revision, urgent);
  });

  it('refuses a branch moved back to a commit it applied before', async () => {
    const first = await applyFirst(t);
    const current = await t.repo.commitFiles(t.branch, { 'compose.yaml': compose('win', service('web', ['environment: { V: "3" }'])) }, 'next');
    assert.equal((await t.h.reconciler.sync('commit')).result, 'converged');
    await t.repo.setBranch(t.branch, first);
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'refused');
    assert.equal(out.error?.code, 'REWIND');
    assert.equal(t.h.store.get('applied'), current);
    assert.equal((await managed(t.host)).get('win-web')?.revision, current);
  });

  it('accepts the rewind when source.allowRewind is set', async () => {
    t.h.close();
    t.h = createHarness({ host: t.host, repo: t.repo, branch: t.branch, stateDir: join(t.dir, 'state-rewind'), allowRewind: true, clock: t.h.clock });
    const first = await applyFirst(t);
    await t.repo.commitFiles(t.branch, { 'compose.yaml': compose('win', service('web', ['environment: { V: "4" }'])) }, 'ahead');
    assert.equal((await t.h.reconciler.sync('commit')).result, 'converged');
    await t.repo.setBranch(t.branch, first);
    assert.equal((await t.h.reconciler.sync('commit')).result, 'converged');
    assert.equal(t.h.store.get('applied'), first);
  });

  it('stays suspended across a restart, reports drift without healing, and heals once it expires', async () => {
    await applyFirst(t);
    t.h.reconciler.suspension.suspend(2 * 3600_000, 'replacing a sensor');
    assert.ok(t.h.events.some((e) => e.type === 'agent.suspended'));
    t.h = t.h.restart();
    const v5 = await t.repo.commitFiles(t.branch, { 'compose.yaml': compose('win', service('web', ['environment: { V: "5" }'])) }, 'while suspended');
    assert.equal((await t.h.reconciler.sync('commit')).result, 'suspended');
    assert.notEqual((await managed(t.host)).get('win-web')?.revision, v5);
    await docker.getContainer('win-web').remove({ force: true });
    const drift = await t.h.reconciler.sync('commit');
    assert.equal(drift.result, 'suspended');
    assert.ok(t.h.events.some((e) => e.type === 'drift.detected' && !e.healed));
    assert.equal((await managed(t.host)).get('win-web'), undefined, 'not healed while suspended');
    t.h.clock.now = new Date(t.h.clock.now.getTime() + 2 * 3600_000 + 1000);
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged');
    assert.ok(t.h.events.some((e) => e.type === 'agent.resumed' && e.reason === 'expired'));
    assert.equal((await managed(t.host)).get('win-web')?.revision, v5);
  });
});

describe('selfHeal: false', () => {
  const t = useTestHost('noheal', { selfHeal: false }, { each: true });

  it('reports drift once, records it, and leaves it in place', async () => {
    await t.repo.commitFiles(t.branch, { 'compose.yaml': compose('nh', service('web'), service('db')) }, 'two services');
    assert.equal((await t.h.reconciler.sync('commit')).result, 'converged');
    await docker.getContainer('nh-db').remove({ force: true });
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'drift-reported');
    assert.deepEqual(out.changes.map((c) => `${c.action} ${c.name} ${c.drift}`), ['create nh-db true']);
    assert.equal((await managed(t.host)).get('nh-db'), undefined, 'not put back');
    assert.deepEqual(t.h.store.drift(10).map((d) => [d.resource, d.action]), [['container/nh-db', 'reported']]);
    const events = t.h.events.filter((e) => e.type === 'drift.detected').length;
    assert.equal((await t.h.reconciler.sync('commit')).result, 'drift-reported');
    assert.equal(t.h.events.filter((e) => e.type === 'drift.detected').length, events, 'reported once, not on every poll');
  });
});
