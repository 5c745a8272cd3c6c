import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlanError } from '../../../agent/planner/context.js';
import { redactPlan } from '../../../agent/planner/diff.js';
import { plan } from '../../../agent/planner/plan.js';
import type { Step } from '../../../agent/planner/steps.js';
import { container, context, desired, network, observed, running, volume } from './fixtures.js';

const kinds = (steps: Step[]): string[] => steps.map((s) => `${s.kind} ${s.resource}`);

/** Index of each step id in a valid execution order (respecting `after`). */
function order(steps: Step[]): Map<string, number> {
  const done = new Map<string, number>();
  while (done.size < steps.length) {
    const next = steps.find((s) => !done.has(s.id) && s.after.every((a) => done.has(a)));
    assert.ok(next, 'the plan has a cycle');
    done.set(next.id, done.size);
  }
  return done;
}

function before(steps: Step[], a: string, b: string): boolean {
  const o = order(steps);
  const ia = o.get(a);
  const ib = o.get(b);
  assert.ok(ia !== undefined && ib !== undefined, `missing ${a} or ${b}`);
  // `a` must be an ancestor of `b` in the DAG, not merely earlier by chance.
  const byId = new Map(steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [b];
  while (stack.length) {
    const id = stack.pop() as string;
    for (const dep of byId.get(id)?.after ?? []) {
      if (dep === a) return true;
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return false;
}

describe('planner: containers', () => {
  it('creates and starts every service on an empty host', () => {
    const p = plan(desired([container('web'), container('db')]), observed([]), context());
    assert.deepEqual(kinds(p.steps).sort(), [
      'createContainer container/demo-db',
      'createContainer container/demo-web',
      'startContainer container/demo-db',
      'startContainer container/demo-web',
    ]);
    assert.deepEqual(p.changes.map((c) => [c.action, c.name, c.drift]), [
      ['create', 'demo-db', false],
      ['create', 'demo-web', false],
    ]);
  });

  it('does nothing when what runs matches the commit', () => {
    const web = container('web');
    const db = container('db');
    const p = plan(desired([web, db]), observed([running(web), running(db)]), context());
    assert.deepEqual(p.steps, []);
    assert.deepEqual(p.changes, []);
  });

  it('replaces only the service whose env changed, and says which field', () => {
    const web = container('web', { env: { LOG: 'info' } });
    const db = container('db');
    const web2 = container('web', { env: { LOG: 'debug' } });
    const p = plan(desired([web2, db]), observed([running(web), running(db)]), context({ appliedSpecs: { 'demo-web': web } }));
    assert.deepEqual(kinds(p.steps), [
      'stopContainer container/demo-web',
      'removeContainer container/demo-web',
      'createContainer container/demo-web',
      'startContainer container/demo-web',
    ]);
    assert.equal(p.changes.length, 1);
    assert.equal(p.changes[0]?.why, 'env changed');
    assert.deepEqual(p.changes[0]?.fields, [{ field: 'env.LOG', from: 'info', to: 'debug' }]);
  });

  it('redacts secret env values in explanations', () => {
    const web = container('web', { env: { API_TOKEN: 'old' }, secretEnv: ['API_TOKEN'] });
    const web2 = container('web', { env: { API_TOKEN: 'new' }, secretEnv: ['API_TOKEN'] });
    const p = plan(desired([web2]), observed([running(web)]), context({ appliedSpecs: { 'demo-web': web } }));
    assert.deepEqual(p.changes[0]?.fields, [{ field: 'env.API_TOKEN', from: '(redacted)', to: '(redacted)' }]);
    assert.doesNotMatch(JSON.stringify({ ...redactPlan(p), changes: p.changes }), /"(old|new)"/);
  });

  it('falls back to the hash when the previous spec is unknown', () => {
    const web = container('web', { env: { A: '1' } });
    const web2 = container('web', { env: { A: '2' } });
    const p = plan(desired([web2]), observed([running(web)]), context());
    assert.equal(p.changes[0]?.action, 'replace');
    assert.equal(p.changes[0]?.fields[0]?.field, 'moor.hash');
  });

  it('brings back a container removed by hand, flagged as drift', () => {
    const web = container('web');
    const p = plan(desired([web]), observed([]), context({ appliedSpecs: { 'demo-web': web } }));
    assert.equal(p.changes[0]?.action, 'create');
    assert.equal(p.changes[0]?.drift, true);
  });

  it('starts a container stopped by hand without recreating it', () => {
    const web = container('web', { restart: 'always' });
    const p = plan(desired([web]), observed([running(web, { state: 'exited', exitCode: 137 })]), context());
    assert.deepEqual(kinds(p.steps), ['startContainer container/demo-web']);
    assert.equal(p.changes[0]?.drift, true);
  });

  it('leaves a one-shot job that finished successfully alone', () => {
    const job = container('job', { restart: 'no' });
    const p = plan(desired([job]), observed([running(job, { state: 'exited', exitCode: 0 })]), context());
    assert.deepEqual(p.steps, []);
  });

  it('replaces a container whose restart policy or limits were changed by hand', () => {
    const web = container('web', { restart: 'always', memLimitBytes: 64 * 1024 * 1024 });
    const p = plan(desired([web]), observed([running(web, { restartPolicy: 'no', memLimitBytes: null })]), context());
    assert.equal(p.changes[0]?.action, 'replace');
    assert.equal(p.changes[0]?.why, 'changed by hand');
    assert.deepEqual(p.changes[0]?.fields.map((f) => f.field), ['restart', 'memLimitBytes']);
  });

  it('prunes only containers it owns that are no longer declared', () => {
    const web = container('web');
    const old = container('old');
    const p = plan(desired([web]), observed([running(web), running(old)]), context());
    assert.deepEqual(kinds(p.steps), ['stopContainer container/demo-old', 'removeContainer container/demo-old']);
    assert.equal(p.changes[0]?.why, 'no longer declared');
  });

  it('does not prune when the policy says so', () => {
    const web = container('web');
    const old = container('old');
    const p = plan(desired([web]), observed([running(web), running(old)]), context({ prune: false }));
    assert.deepEqual(p.steps, []);
  });

  it('refuses to take a name used by a container it does not manage', () => {
    const web = container('web');
    assert.throws(
      () => plan(desired([web]), observed([], { foreignContainerNames: ['demo-web'] }), context()),
      (err: unknown) => err instanceof PlanError && err.code === 'NAME_CONFLICT',
    );
  });

  it('pulls a missing image before stopping anything', () => {
    const web = container('web', { image: 'registry.local/web:1' });
    const web2 = container('web', { image: 'registry.local/web:2' });
    const p = plan(desired([web2]), observed([running(web)], { images: { 'registry.local/web:2': false } }), context());
    const pull = p.steps.find((s) => s.kind === 'pullImage');
    const stop = p.steps.find((s) => s.kind === 'stopContainer');
    assert.ok(pull && stop);
    assert.ok(before(p.steps, pull.id, stop.id), 'the pull must come before the stop');
  });

  it('refuses a missing image with pull_policy never, blaming the commit', () => {
    const web = container('web', { image: 'local/absent:1', pullPolicy: 'never' });
    assert.throws(
      () => plan(desired([web]), observed([], { images: { 'local/absent:1': false } }), context()),
      (err: unknown) => err instanceof PlanError && err.code === 'IMAGE_MISSING' && err.handling === 'commit',
    );
  });

  it('pulls pull_policy always images only when following a new commit', () => {
    const web = container('web', { pullPolicy: 'always' });
    const web2 = container('web', { pullPolicy: 'always', env: { A: '1' } });
    const onCommit = plan(desired([web2]), observed([running(web)]), context({ pullAlways: true }));
    assert.ok(onCommit.steps.some((s) => s.kind === 'pullImage'));
    const healing = plan(desired([web2]), observed([running(web)]), context({ pullAlways: false }));
    assert.ok(!healing.steps.some((s) => s.kind === 'pullImage'));
  });

  it('starts services after what they depend on', () => {
    const db = container('db');
    const api = container('api', { dependsOn: [{ service: 'db', condition: 'service_started' }] });
    const web = container('web', { dependsOn: [{ service: 'api', condition: 'service_started' }] });
    const p = plan(desired([web, api, db]), observed([]), context());
    assert.ok(before(p.steps, 'startContainer:container/demo-db', 'startContainer:container/demo-api'));
    assert.ok(before(p.steps, 'startContainer:container/demo-api', 'startContainer:container/demo-web'));
  });

  it('waits for a healthy dependency when depends_on asks for service_healthy', () => {
    const db = container('db', { healthcheck: { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 3, startPeriodMs: 0, startIntervalMs: 0 } });
    const api = container('api', { dependsOn: [{ service: 'db', condition: 'service_healthy' }] });
    const p = plan(desired([api, db]), observed([]), context());
    assert.ok(before(p.steps, 'startContainer:container/demo-db', 'waitHealthy:container/demo-db'));
    assert.ok(before(p.steps, 'waitHealthy:container/demo-db', 'startContainer:container/demo-api'));
  });

  it('stops dependents before the services they depend on when both are replaced', () => {
    const db = container('db', { env: { V: '1' } });
    const api = container('api', { env: { V: '1' }, dependsOn: [{ service: 'db', condition: 'service_started' }] });
    const db2 = container('db', { env: { V: '2' } });
    const api2 = container('api', { env: { V: '2' }, dependsOn: [{ service: 'db', condition: 'service_started' }] });
    const p = plan(desired([db2, api2]), observed([running(db), running(api)]), context());
    assert.ok(before(p.steps, 'stopContainer:container/demo-api', 'stopContainer:container/demo-db'));
  });

  it('runs independent services without ordering them', () => {
    const p = plan(desired([container('a'), container('b'), container('c')]), observed([]), context());
    const creates = p.steps.filter((s) => s.kind === 'createContainer');
    assert.equal(creates.length, 3);
    for (const c of creates) assert.deepEqual(c.after, []);
  });

  it('frees a pruned container before creating its successor', () => {
    const old = container('old');
    const fresh = container('fresh');
    const p = plan(desired([fresh]), observed([running(old)]), context());
    assert.ok(before(p.steps, 'removeContainer:container/demo-old', 'createContainer:container/demo-fresh'));
  });

  it('starts the new container first and swaps names for start-first updates', () => {
    const web = container('web', { env: { V: '1' }, update: 'start-first' });
    const web2 = container('web', { env: { V: '2' }, update: 'start-first' });
    const p = plan(desired([web2]), observed([running(web)]), context());
    const creates = p.steps.filter((s) => s.kind === 'createContainer');
    assert.equal(creates.length, 1);
    const c = creates[0];
    assert.ok(c?.kind === 'createContainer' && c.spec.name === 'demo-web-moor-next');
    assert.equal(c.hidden, true, 'created without the service name, so no one is sent to it before it is healthy');
    assert.ok(before(p.steps, 'waitHealthy:container/demo-web', 'announceContainer:container/demo-web'));
    assert.ok(before(p.steps, 'announceContainer:container/demo-web', 'drainContainer:container/demo-web'));
    assert.ok(before(p.steps, 'waitHealthy:container/demo-web', 'stopContainer:container/demo-web'));
    assert.ok(before(p.steps, 'removeContainer:container/demo-web', 'renameContainer:container/demo-web'));
  });

  it('creates owned networks and volumes before the containers using them', () => {
    const net = network('backend');
    const vol = volume('data');
    const web = container('web', {
      networkMode: null,
      networks: [net.name],
      mounts: [{ type: 'volume', source: vol.name, target: '/data', readOnly: false, noCopy: false }],
    });
    const p = plan(desired([web], { networks: [net], volumes: [vol] }), observed([]), context());
    assert.ok(before(p.steps, 'createNetwork:network/demo_backend', 'createContainer:container/demo-web'));
    assert.ok(before(p.steps, 'createVolume:volume/demo_data', 'createContainer:container/demo-web'));
  });

  it('keeps volumes on prune unless the manifest says otherwise', () => {
    const obs = observed([], { volumes: [{ name: 'demo_data', labels: {} }] });
    assert.deepEqual(plan(desired([]), obs, context()).steps, []);
    const p = plan(desired([], { pruneVolumes: true }), obs, context());
    assert.deepEqual(kinds(p.steps), ['removeVolume volume/demo_data']);
  });

  it('never recreates a volume whose options changed, and says why', () => {
    const vol = volume('data', { driverOpts: { size: '2g' } });
    const p = plan(desired([], { volumes: [vol] }), observed([], { volumes: [{ name: 'demo_data', labels: { 'moor.hash': 'old' } }] }), context());
    assert.deepEqual(p.steps, []);
    assert.match(p.changes[0]?.why ?? '', /never recreated/);
  });

  it('recreates a changed network after removing the containers on it', () => {
    const net = network('backend', { internal: true });
    const web = container('web', { networkMode: null, networks: [net.name] });
    const obs = observed([running(web)], { networks: [{ id: 'n1', name: 'demo_backend', labels: { 'moor.hash': 'old' } }] });
    const p = plan(desired([web], { networks: [net] }), obs, context());
    assert.ok(before(p.steps, 'removeContainer:container/demo-web', 'removeNetwork:network/demo_backend'));
    assert.ok(before(p.steps, 'removeNetwork:network/demo_backend', 'createNetwork:network/demo_backend'));
    assert.ok(before(p.steps, 'createNetwork:network/demo_backend', 'createContainer:container/demo-web'));
  });

  it('is deterministic: the same inputs give the same plan', () => {
    const input = () => [desired([container('b'), container('a')]), observed([running(container('z'))]), context()] as const;
    assert.deepEqual(plan(...input()), plan(...input()));
  });
});
