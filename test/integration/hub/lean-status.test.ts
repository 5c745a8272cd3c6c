// Lean status frames against a real `moor hub` process (SQLite, or PostgreSQL with
// MOOR_TEST_HUB_DB=postgres): the real reporter leaves out unchanged resources after its first
// status and the hub shows them all the same; a lean status on a link that sent no whole one is
// kept nowhere, the hub asks for a status instead and the link goes on; an older agent's whole
// statuses keep working.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import type { HeartbeatSampler } from '../../../agent/reporter/host-metrics.js';
import { createReporter, type Reporter } from '../../../agent/reporter/reporter.js';
import { openDatabase } from '../../../agent/store/db.js';
import { hubFixture, statusOf, waitFor, type HubFixture } from './hub-process.js';
import { rawAgent } from './raw-agent.js';

const sha = (c: string) => c.repeat(40);
const resources: StatusSnapshot['resources'] = [
  { kind: 'container', name: 'web', health: 'healthy', detail: 'running' },
  { kind: 'container', name: 'db', health: 'healthy', detail: 'running' },
];

const noMetrics: HeartbeatSampler = {
  start: () => undefined,
  sample: async () => ({ cpuLoad: 1, load1: 0.1, memUsed: 1, memTotal: 2, disks: [], uptimeSec: 1, temperature: null }),
  inventory: () => null,
};

interface HostApi { status: StatusSnapshot | null }

async function hostStatus(hub: HubFixture, host: string): Promise<StatusSnapshot | null> {
  const res = await hub.fetch(`/api/hosts/${host}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as HostApi).status;
}

function leanOf(status: StatusSnapshot): unknown {
  const { resources: _left, ...rest } = status;
  return { t: 'status', status: rest, resources: 'unchanged' };
}

describe('lean status frames on a real hub', () => {
  let hub: HubFixture;
  const stateDir = mkdtempSync(join(tmpdir(), 'moor-lean-status-'));
  const reporters: Reporter[] = [];

  before(async () => {
    hub = await hubFixture('offlineAfter: 60s\n');
    await hub.start();
  });

  after(async () => {
    for (const r of reporters) await r.stop();
    await hub.kill();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(hub.dir, { recursive: true, force: true });
  });

  it('shows the resources of the whole status with what a real reporter\'s lean one changed', async () => {
    const token = hub.addToken('lean-01');
    let status = statusOf('lean-01', { resources });
    const reporter = createReporter(
      { db: openDatabase({ file: join(stateDir, 'lean-01.db') }), logger: pino({ level: 'silent' }), now: () => new Date(), random: Math.random,
        status: () => status, metrics: noMetrics, onSyncNow: () => undefined },
      { settings: { url: `ws://127.0.0.1:${hub.port}/agent`, token, heartbeatMs: 60_000, caFile: null, outboxLimit: 1000 }, host: 'lean-01', version: '0.1.0-test' },
    );
    reporters.push(reporter);
    reporter.start();
    await waitFor('the first status', async () => (await hostStatus(hub, 'lean-01'))?.resources.length === 2);
    status = statusOf('lean-01', { resources, revision: { applied: sha('b'), lastGood: sha('b'), head: sha('b') } });
    reporter.emit({ type: 'sync.succeeded', commit: sha('b'), changes: 1, durationMs: 5 });
    const shown = await waitFor('the lean status', async () => {
      const s = await hostStatus(hub, 'lean-01');
      return s?.revision.applied === sha('b') ? s : null;
    });
    assert.deepEqual(shown.resources, resources);
  });

  it('keeps nothing of a lean status on a link that sent no whole one, asks for a status, and takes the whole answer', async () => {
    const token = hub.addToken('lean-02');
    const first = await rawAgent(hub.port, token, 'lean-02');
    first.send({ t: 'status', status: statusOf('lean-02', { resources }) });
    await waitFor('the whole status', async () => (await hostStatus(hub, 'lean-02'))?.resources.length === 2);
    first.close();
    // A new link of the same host: what the old link sent does not count for it.
    const agent = await rawAgent(hub.port, token, 'lean-02');
    agent.send(leanOf(statusOf('lean-02', { resources, revision: { applied: sha('c'), lastGood: sha('c'), head: sha('c') } })));
    await waitFor('a status request', () => agent.received.some((m) => m.t === 'status'));
    assert.equal((await hostStatus(hub, 'lean-02'))?.revision.applied, sha('a'), 'nothing of the lean status kept');
    assert.equal(agent.closeCode, null, 'the link goes on');
    const answer = statusOf('lean-02', { resources: resources.slice(0, 1), revision: { applied: sha('c'), lastGood: sha('c'), head: sha('c') } });
    agent.send({ t: 'status', status: answer });
    agent.send(leanOf({ ...answer, state: 'syncing' }));
    const shown = await waitFor('the whole answer, then a lean status', async () => {
      const s = await hostStatus(hub, 'lean-02');
      return s?.state === 'syncing' ? s : null;
    });
    assert.deepEqual(shown.resources, resources.slice(0, 1));
    agent.close();
  });

  it('takes whole statuses from an older agent as before', async () => {
    const agent = await rawAgent(hub.port, hub.addToken('lean-03'), 'lean-03');
    agent.send({ t: 'status', status: statusOf('lean-03', { resources }) });
    agent.send({ t: 'status', status: statusOf('lean-03', { resources: [], state: 'syncing' }) });
    const shown = await waitFor('the second whole status', async () => {
      const s = await hostStatus(hub, 'lean-03');
      return s?.state === 'syncing' ? s : null;
    });
    assert.deepEqual(shown.resources, []);
    assert.ok(!agent.received.some((m) => m.t === 'status'), 'no status asked for');
    agent.close();
  });
});
