// `moor plan` through a running agent: the reply's steps are checked against the full Step union,
// so a reply of another shape is refused with an error that says where it differs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { PlanNowView } from '../../../agent/contracts/control-protocol.js';
import { checkControlReply, parseControlReply } from '../../../agent/contracts/control-replies.js';
import { REDACTED_MARK, type PlanStep } from '../../../agent/contracts/step-schema.js';
import { callAgent } from '../../../agent/control/client.js';
import { REDACTED } from '../../../agent/desired/secrets.js';
import { redactPlan } from '../../../agent/planner/diff.js';
import { plan } from '../../../agent/planner/plan.js';
import type { Step } from '../../../agent/planner/steps.js';
import { container, context, desired, network, observed, volume } from '../planner/fixtures.js';
import { file, unit } from '../planner/units-fixtures.js';

// The schema and the planner's Step type agree, checked by the compiler: every Step is a
// PlanStep, and a PlanStep without the redaction marker is exactly a Step.
type Unmarked<T> = T extends string
  ? Exclude<T, typeof REDACTED_MARK>
  : T extends readonly (infer U)[]
    ? Unmarked<U>[]
    : T extends object
      ? { [K in keyof T]: Unmarked<T[K]> }
      : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const stepIsPlanStep: [Step] extends [PlanStep] ? true : false = true;
const schemaIsStep: Same<Unmarked<PlanStep>, Step> = true;

/** A plan with containers (mounts, ports, a dependency, a build), a network, a volume, a unit and a file. */
function fullPlan(): PlanNowView {
  const db = container('db', { restart: 'on-failure:3', mounts: [{ type: 'volume', source: 'demo_data', target: '/data', readOnly: false, noCopy: false }] });
  const web = container('web', {
    restart: 'no',
    env: { PASSWORD: 's3cret-value' },
    secretEnv: ['PASSWORD'],
    ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    mounts: [{ type: 'bind', source: '/srv/web', target: '/web', readOnly: true, repoPath: null, propagation: null, selinux: null }, { type: 'tmpfs', target: '/tmp', options: '' }],
    dependsOn: [{ service: 'db', condition: 'service_healthy' }],
    networks: ['demo_back'],
    networkMode: null,
  });
  const state = desired([db, web], {
    networks: [network('back')],
    volumes: [volume('data')],
    units: [unit('telegraf.service')],
    files: [file('/etc/motd', 'hello\n')],
  });
  // Every value of an env_file is a secret: one that reads `no` hides the restart policy `no`.
  const made = plan(state, observed([]), context());
  return { commit: 'a'.repeat(40), plan: redactPlan(made, ['s3cret-value', 'no']), invalid: null, sourceError: null };
}

describe('the plan reply of the control socket', () => {
  it('passes a redacted plan with every step and field the agent sends, unchanged', () => {
    assert.ok(stepIsPlanStep && schemaIsStep);
    const reply = fullPlan();
    const kinds = new Set(reply.plan.steps.map((s) => s.kind));
    for (const kind of ['createContainer', 'createNetwork', 'createVolume', 'installUnit', 'writeFile', 'waitHealthy']) assert.ok(kinds.has(kind as Step['kind']), kind);
    const wire: unknown = JSON.parse(JSON.stringify(reply));
    assert.deepEqual(parseControlReply('plan', wire), wire);
    const web = reply.plan.steps.find((s) => s.kind === 'createContainer' && s.spec.service === 'web');
    assert.equal(web?.kind === 'createContainer' ? web.spec.restart : null, REDACTED_MARK);
  });

  it('uses the marker the redaction writes', () => {
    assert.equal(REDACTED_MARK, REDACTED);
  });

  it('refuses a step whose payload is malformed, naming where', () => {
    const wire = JSON.parse(JSON.stringify(fullPlan())) as { plan: { steps: Record<string, unknown>[] } };
    const index = wire.plan.steps.findIndex((s) => s.kind === 'createContainer');
    const step = wire.plan.steps[index];
    assert.ok(step);
    step.spec = { ...(step.spec as object), restart: 'sometimes', ports: 'all' };
    const checked = checkControlReply('plan', wire);
    assert.equal(checked.ok, false);
    assert.match(checked.ok ? '' : checked.problem, new RegExp(`plan\\.steps\\.${index}\\.spec\\.(restart|ports)`));
  });

  it('refuses a step of a kind the planner does not make, and one without its payload', () => {
    assert.equal(parseControlReply('plan', { commit: null, plan: { steps: [{ id: 'x', after: [], resource: 'r', kind: 'formatDisk' }], changes: [] }, invalid: null, sourceError: null }), null);
    assert.equal(parseControlReply('plan', { commit: null, plan: { steps: [{ id: 'x', after: [], resource: 'r', kind: 'writeFile' }], changes: [] }, invalid: null, sourceError: null }), null);
  });

  describe('through the socket', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-control-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** A stand-in agent that answers every request with `result`. */
    async function agentAnswering(name: string, result: unknown): Promise<{ path: string; close: () => void }> {
      const path = join(dir, name);
      const server = createServer((socket) => socket.once('data', () => socket.end(`${JSON.stringify({ ok: true, result })}\n`)));
      await new Promise<void>((resolve) => server.listen(path, resolve));
      return { path, close: () => server.close() };
    }

    it('gives the client the plan of a well-formed reply', async () => {
      const reply: unknown = JSON.parse(JSON.stringify(fullPlan()));
      const agent = await agentAnswering('good.sock', reply);
      try {
        assert.deepEqual(await callAgent(agent.path, { verb: 'plan' }), reply);
      } finally {
        agent.close();
      }
    });

    it('rejects a malformed reply with CONTROL_FAILED and the place it differs', async () => {
      const reply = JSON.parse(JSON.stringify(fullPlan())) as { plan: { steps: Record<string, unknown>[] } };
      const first = reply.plan.steps[0];
      assert.ok(first);
      delete first.after;
      const agent = await agentAnswering('bad.sock', reply);
      try {
        await assert.rejects(callAgent(agent.path, { verb: 'plan' }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'CONTROL_FAILED');
          assert.match(err.message, /answer to plan has an unexpected shape .*plan\.steps\.0\.after/);
          return true;
        });
      } finally {
        agent.close();
      }
    });
  });
});
