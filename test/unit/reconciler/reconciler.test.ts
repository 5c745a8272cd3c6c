// The reconciler's decisions over strict fakes: apply, health gate, rollback and a rollback that
// fails, bugs, maintenance windows, suspension, the commit gate, and what planNow says.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DockerError } from '../../../agent/contracts/errors.js';
import { formatStatus } from '../../../agent/cli/format.js';
import { StatusTracker } from '../../../agent/reconciler/status.js';
import { container, desired } from '../planner/fixtures.js';
import { FakeHost, HOST, type FakeHostOptions } from './fakes.js';

const GOOD = 'img/good:1';
const BAD = 'img/bad:1';
const JOB_OK = 'img/job-ok:1';
const JOB_FAIL = 'img/job-fail:1';
const IMAGES: FakeHostOptions['images'] = { [GOOD]: 'runs', [BAD]: 'exits-1', [JOB_OK]: 'exits-0', [JOB_FAIL]: 'exits-1', 'img/amnesiac:1': 'forgets-hash' };

let host: FakeHost;
afterEach(() => host?.close());

function web(image: string, over: Parameters<typeof container>[1] = {}) {
  return container('web', { image, restart: 'always', ...over });
}

function statusOf(h: FakeHost) {
  const tracker = new StatusTracker(
    { store: h.store, engine: h.engine, snapshots: h.reconciler.snapshots, suspension: h.reconciler.suspension, busy: () => false, hub: () => null },
    { host: HOST, version: 'test', branch: 'main' },
  );
  return tracker.current();
}

describe('a new commit', () => {
  it('is applied, recorded as applied and last good, and announced', async () => {
    host = new FakeHost({ images: IMAGES });
    const commit = host.push(desired([web(GOOD)]));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'converged');
    assert.equal(host.store.get('applied'), commit);
    assert.equal(host.store.get('lastGood'), commit);
    assert.equal(host.engine.containers.get('demo-web')?.state, 'running');
    assert.deepEqual(host.eventTypes(), ['sync.started', 'sync.succeeded']);
  });

  it('that fails its health gate is rolled back to the last good commit', async () => {
    host = new FakeHost({ images: IMAGES });
    const good = host.push(desired([web(GOOD)]));
    await host.reconciler.sync('commit');
    const bad = host.push(desired([web(BAD)]));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'rolled-back');
    assert.equal(host.store.revision(bad)?.verdict, 'rolled-back');
    assert.equal(host.store.get('applied'), good);
    assert.equal(host.engine.containers.get('demo-web')?.image, GOOD);
    assert.ok(host.eventTypes().includes('sync.rolledBack'));
  });

  it('whose rollback fails too gets its own verdict, event and status line, and applied stays off the last good commit', async () => {
    host = new FakeHost({ images: IMAGES });
    const good = host.push(desired([web(GOOD)]));
    await host.reconciler.sync('commit');
    // The last good image is gone from the host and from its registry: it cannot be put back.
    delete host.engine.behaviours[GOOD];
    const bad = host.push(desired([web(BAD)]));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'rollback-failed');
    assert.equal(out.error?.code, 'ROLLBACK_FAILED');
    assert.match(out.error?.message ?? '', /failed, rollback failed/);
    assert.equal(host.store.revision(bad)?.verdict, 'rollback-failed');
    assert.notEqual(host.store.get('applied'), good, 'the host is not running the last good commit');
    assert.equal(host.store.get('lastGood'), good);
    const types = host.eventTypes();
    assert.ok(types.includes('sync.rollbackFailed'));
    assert.ok(!types.includes('sync.rolledBack'), 'no rolled-back event for a rollback that failed');
    const status = statusOf(host);
    assert.equal(status.state, 'failed');
    assert.match(formatStatus(status), /failed, rollback failed/);
  });

  it('whose rollback failed is not retried, and self-heal leaves the host alone', async () => {
    host = new FakeHost({ images: IMAGES });
    host.push(desired([web(GOOD)]));
    await host.reconciler.sync('commit');
    delete host.engine.behaviours[GOOD];
    host.push(desired([web(BAD)]));
    await host.reconciler.sync('commit');
    const calls = host.engine.calls.length;
    const again = await host.reconciler.sync('commit');
    assert.equal(again.result, 'rollback-failed');
    assert.deepEqual(host.engine.calls.slice(calls).filter((c) => !c.startsWith('list') && !c.startsWith('image')), []);
  });
});

describe('one-shot jobs', () => {
  it('a job that ran and exited 0 (restart: no) passes the health gate', async () => {
    host = new FakeHost({ images: IMAGES });
    host.push(desired([container('migrate', { image: JOB_OK, restart: 'no' })]));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'converged');
  });

  it('a job that exited non-zero fails the health gate', async () => {
    host = new FakeHost({ images: IMAGES });
    host.push(desired([container('migrate', { image: JOB_FAIL, restart: 'no' })]));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'failed');
    assert.equal(out.error?.code, 'UNHEALTHY');
  });

  it('depends_on service_completed_successfully starts the dependent only after the job exited 0', async () => {
    host = new FakeHost({ images: IMAGES });
    const job = container('migrate', { image: JOB_OK, restart: 'no' });
    host.push(desired([job, web(GOOD, { dependsOn: [{ service: 'migrate', condition: 'service_completed_successfully' }] })]));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'converged');
    const calls = host.engine.calls;
    assert.ok(calls.indexOf('start demo-migrate') < calls.indexOf('start demo-web'));
  });

  it('a job that exits non-zero fails the commit, and its dependent is never started', async () => {
    host = new FakeHost({ images: IMAGES });
    const job = container('migrate', { image: JOB_FAIL, restart: 'no' });
    host.push(desired([job, web(GOOD, { dependsOn: [{ service: 'migrate', condition: 'service_completed_successfully' }] })]));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'failed');
    assert.match(out.error?.message ?? '', /demo-migrate did not complete successfully/);
    assert.ok(!host.engine.calls.includes('start demo-web'));
  });
});

describe('bugs in moor', () => {
  it('an unexpected exception while loading a commit makes that commit invalid, counted as a bug', async () => {
    host = new FakeHost({ images: IMAGES });
    const commit = host.push(new TypeError("Cannot read properties of undefined (reading 'image')"));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'invalid');
    assert.equal(out.retry, false);
    assert.equal(out.error?.handling, 'bug');
    assert.equal(host.store.revision(commit)?.verdict, 'invalid');
    assert.equal(host.store.get('bugs')?.count, 1);
    assert.ok(host.eventTypes().includes('agent.bug'));
    assert.equal(statusOf(host).bugs?.count, 1);
  });

  it('an unexpected exception elsewhere is an error with handling bug, counted each time, never a flaky network', async () => {
    host = new FakeHost({ images: IMAGES });
    host.push(desired([web(GOOD)]));
    host.engine.listContainers = async () => {
      throw new TypeError('x is not a function');
    };
    const first = await host.reconciler.sync('commit');
    assert.equal(first.result, 'error');
    assert.equal(first.error?.code, 'BUG');
    assert.equal(first.error?.handling, 'bug');
    await host.reconciler.sync('commit');
    assert.equal(host.store.get('bugs')?.count, 2);
  });

  it('a plan that is not empty after the last round is reported, not called converged', async () => {
    host = new FakeHost({ images: IMAGES });
    host.push(desired([container('amnesiac', { image: 'img/amnesiac:1', restart: 'always' })]));
    const out = await host.reconciler.sync('commit');
    assert.notEqual(out.result, 'converged');
    assert.equal(out.error?.code, 'NOT_CONVERGED');
  });
});

describe('an engine restarted mid-apply', () => {
  it('recreates a container left with a stale task instead of starting it again and again', async () => {
    host = new FakeHost({ images: IMAGES });
    const commit = host.push(desired([web(GOOD)]));
    host.engine.startFailures.set('demo-web', new DockerError('STALE_TASK', 'start failed: task 4f2a: already exists'));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'converged');
    assert.equal(host.store.get('applied'), commit);
    assert.ok(host.engine.calls.includes('remove demo-web (force)'));
    assert.equal(host.engine.calls.filter((c) => c === 'create demo-web').length, 2);
  });
});

describe('gates before applying', () => {
  it('a suspended host applies nothing', async () => {
    host = new FakeHost({ images: IMAGES });
    host.reconciler.suspension.suspend(3_600_000, 'test');
    host.push(desired([web(GOOD)]));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'suspended');
    assert.equal(host.engine.containers.size, 0);
  });

  it('a commit the gate refuses is not even parsed', async () => {
    host = new FakeHost({ images: IMAGES, checkCommit: async () => ({ ok: false, code: 'UNSIGNED', reason: 'not signed' }) });
    const commit = host.push(new TypeError('parsed a refused commit'));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'refused');
    assert.equal(host.store.revision(commit)?.verdict, 'refused');
    assert.equal(host.store.get('bugs'), null);
  });

  it('a commit outside its window waits, with one shape of pending state', async () => {
    host = new FakeHost({ images: IMAGES });
    const commit = host.push(desired([web(GOOD)], { window: { schedule: '0 2 * * *', durationMs: 3_600_000 } }));
    const out = await host.reconciler.sync('commit');
    assert.equal(out.result, 'pending');
    const pending = host.store.get('pending');
    assert.equal(pending?.commit, commit);
    assert.deepEqual(pending?.changes.map((c) => `${c.action} ${c.name}`), ['create demo-web']);
    assert.equal(host.engine.containers.size, 0);
  });
});

describe('planNow', () => {
  it('says that git is unreachable and plans the applied commit', async () => {
    host = new FakeHost({ images: IMAGES });
    const commit = host.push(desired([web(GOOD)]));
    await host.reconciler.sync('commit');
    host.source.headError = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const now = await host.reconciler.planNow();
    assert.equal(now.commit, commit);
    assert.match(now.sourceError?.message ?? '', /ECONNREFUSED/);
    assert.equal(now.invalid, null);
  });

  it('fills invalid for an invalid head, with an empty plan', async () => {
    host = new FakeHost({ images: IMAGES });
    host.push(desired([web(GOOD)]));
    await host.reconciler.sync('commit');
    const bad = host.push(new TypeError('broken loader'));
    const now = await host.reconciler.planNow();
    assert.equal(now.commit, bad);
    assert.equal(now.invalid?.code, 'BUG');
    assert.deepEqual(now.plan.steps, []);
  });
});
