import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ForeignResource } from '../../../agent/contracts/observed.js';
import { PlanError } from '../../../agent/planner/context.js';
import { plan } from '../../../agent/planner/plan.js';
import type { Step } from '../../../agent/planner/steps.js';
import { container, context, desired, network, observed, volume } from './fixtures.js';

const kinds = (steps: Step[]): string[] => steps.map((s) => `${s.kind} ${s.resource}`).sort();
const composeOwned = (name: string, project = 'demo'): ForeignResource => ({ name, id: `id-${name}`, composeProject: project, otherHost: null });

function dependsOn(steps: Step[], later: string, earlier: string): boolean {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const stack = [later];
  const seen = new Set<string>();
  while (stack.length) {
    for (const dep of byId.get(stack.pop() as string)?.after ?? []) {
      if (dep === earlier) return true;
      if (!seen.has(dep)) stack.push(dep), seen.add(dep);
    }
  }
  return false;
}

describe('planner: docker compose projects moor does not own', () => {
  it('refuses a container name taken by a compose project, naming the project and the way out', () => {
    const web = container('web');
    assert.throws(
      () => plan(desired([web]), observed([], { foreignContainerNames: ['demo-web'], foreignContainers: [composeOwned('demo-web', 'shop')] }), context()),
      (err: unknown) =>
        err instanceof PlanError &&
        err.code === 'NAME_CONFLICT' &&
        err.handling === 'commit' &&
        err.message.includes('docker compose project "shop"') &&
        err.message.includes('x-moor: { adopt: true }'),
    );
  });

  it('fails the commit on a name taken by a container nobody manages, without suggesting adoption', () => {
    const web = container('web');
    assert.throws(
      () => plan(desired([web]), observed([], { foreignContainerNames: ['demo-web'], foreignContainers: [{ name: 'demo-web', id: 'x', composeProject: null, otherHost: null }] }), context()),
      (err: unknown) => err instanceof PlanError && err.handling === 'commit' && !err.message.includes('adopt') && err.message.includes('by hand'),
    );
  });

  it('replaces the containers of an adopted compose project, and creates its own only after they are gone', () => {
    const web = container('web');
    const old = composeOwned('demo_web_1');
    const p = plan(desired([web], { adopt: true }), observed([], { foreignContainerNames: ['demo_web_1'], foreignContainers: [old] }), context());
    assert.deepEqual(kinds(p.steps), [
      'createContainer container/demo-web',
      'removeContainer container/demo_web_1',
      'startContainer container/demo-web',
      'stopContainer container/demo_web_1',
    ]);
    assert.ok(dependsOn(p.steps, 'createContainer:container/demo-web', 'removeContainer:container/demo_web_1'));
    assert.deepEqual(p.changes.find((c) => c.name === 'demo_web_1')?.why, 'taken over from docker compose project "demo"');
  });

  it('leaves the containers of other compose projects alone when adopting', () => {
    const web = container('web');
    const p = plan(desired([web], { adopt: true }), observed([], { foreignContainerNames: ['other_web_1'], foreignContainers: [composeOwned('other_web_1', 'other')] }), context());
    assert.deepEqual(kinds(p.steps), ['createContainer container/demo-web', 'startContainer container/demo-web']);
  });

  it('reuses the volumes and networks of an adopted project as they are: no create, no change to report', () => {
    const data = volume('data');
    const net = network('default');
    const web = container('web', { networks: [net.name], networkMode: null, mounts: [{ type: 'volume', source: data.name, target: '/data', readOnly: false, noCopy: false }] });
    const state = desired([web], { adopt: true, volumes: [data], networks: [net] });
    const p = plan(state, observed([], { foreignVolumes: [composeOwned(data.name)], foreignNetworks: [composeOwned(net.name)] }), context());
    assert.deepEqual(kinds(p.steps), ['createContainer container/demo-web', 'startContainer container/demo-web']);
    assert.deepEqual(p.changes.map((c) => c.kind), ['container']);
  });

  it('refuses a volume left by `docker-compose down` instead of "creating" it on every sync', () => {
    const data = volume('data');
    const web = container('web', { mounts: [{ type: 'volume', source: data.name, target: '/data', readOnly: false, noCopy: false }] });
    assert.throws(
      () => plan(desired([web], { volumes: [data] }), observed([], { foreignVolumes: [composeOwned(data.name)] }), context()),
      (err: unknown) =>
        err instanceof PlanError && err.code === 'VOLUME_NOT_OWNED' && err.handling === 'commit' && err.message.includes('docker compose project "demo"'),
    );
  });

  it('refuses a network of the same name owned by another moor host, even when adopting', () => {
    const net = network('default');
    const web = container('web', { networks: [net.name], networkMode: null });
    const theirs: ForeignResource = { name: net.name, id: 'n1', composeProject: null, otherHost: 'edge-02' };
    assert.throws(
      () => plan(desired([web], { adopt: true, networks: [net] }), observed([], { foreignNetworks: [theirs] }), context()),
      (err: unknown) => err instanceof PlanError && err.code === 'NETWORK_NOT_OWNED' && err.message.includes('"edge-02"'),
    );
  });
});
