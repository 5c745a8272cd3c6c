// The agent's reporter against `moor hub` as a real process on loopback: heartbeats, push webhook
// to sync, nothing lost or doubled across a hub outage, tokens refused, alerts posted.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import WebSocket from 'ws';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import type { AgentEvent } from '../../../agent/contracts/events.js';
import { createHeartbeatSampler } from '../../../agent/reporter/host-metrics.js';
import { createReporter, type Reporter } from '../../../agent/reporter/reporter.js';
import { openDatabase } from '../../../agent/store/db.js';
import { freePort, hubFixture, statusOf, waitFor, type HubFixture } from './hub-process.js';

interface Agent {
  reporter: Reporter;
  syncs: { reason: string; at: number }[];
  status: StatusSnapshot;
}

const logger = pino({ level: 'silent' });
const stateDir = mkdtempSync(join(tmpdir(), 'moor-agent-'));
const agents: Reporter[] = [];

function startAgent(hub: HubFixture, host: string, token: string, heartbeatMs = 200): Agent {
  const db = openDatabase({ file: join(stateDir, `${host}.db`) });
  const agent: Agent = { syncs: [], status: statusOf(host), reporter: undefined as unknown as Reporter };
  agent.reporter = createReporter(
    {
      db,
      logger,
      now: () => new Date(),
      random: Math.random,
      status: () => agent.status,
      metrics: createHeartbeatSampler({ diskPaths: [stateDir], agentVersion: '0.1.0-test' }),
      onSyncNow: (reason) => agent.syncs.push({ reason, at: Date.now() }),
    },
    {
      settings: { url: `ws://127.0.0.1:${hub.port}/agent`, token, heartbeatMs, caFile: null, outboxLimit: 20_000 },
      host,
      version: '0.1.0-test',
      backoffMinMs: 100,
      backoffMaxMs: 500,
    },
  );
  agents.push(agent.reporter);
  agent.reporter.start();
  return agent;
}

async function api<T>(hub: HubFixture, path: string): Promise<T> {
  const res = await hub.fetch(path);
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return (await res.json()) as T;
}

interface EventRow { seq: number; type: string; event: AgentEvent }

async function allEvents(hub: HubFixture, host: string): Promise<EventRow[]> {
  const out: EventRow[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const page = await api<{ events: (EventRow & { id: number })[] }>(hub, `/api/hosts/${host}/events?limit=1000&before=${before}`);
    if (page.events.length === 0) return out.reverse();
    out.push(...page.events);
    before = page.events[page.events.length - 1]?.id ?? 0;
  }
}

describe('agent reporter and hub on loopback', () => {
  let hub: HubFixture;
  let alertServer: Server;
  const alerts: { kind: string; host: string }[] = [];

  before(async () => {
    const alertPort = await freePort();
    alertServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        alerts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind: string; host: string });
        res.end('ok');
      });
    });
    await new Promise<void>((res) => alertServer.listen(alertPort, '127.0.0.1', res));
    hub = await hubFixture(`alerts: { url: "http://127.0.0.1:${alertPort}/hook", suspendedAfter: 0s }\n`);
    await hub.start();
  });

  after(async () => {
    for (const r of agents) await r.stop();
    await hub.kill();
    alertServer.close();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(hub.dir, { recursive: true, force: true });
  });

  it('delivers heartbeats with host metrics and inventory', async () => {
    const agent = startAgent(hub, 'edge-01', hub.addToken('edge-01'));
    await waitFor('connected', () => agent.reporter.connected());
    const first = await waitFor('a heartbeat with metrics', async () => {
      const h = await api<{ online: boolean; lastSeen: string; metrics: { memTotal: number } | null }>(hub, '/api/hosts/edge-01');
      return h.online && h.metrics ? h : null;
    });
    assert.ok(first.metrics && first.metrics.memTotal > 0);
    const later = await waitFor('a later heartbeat', async () => {
      const h = await api<{ lastSeen: string; branch: string; healthy: number }>(hub, '/api/hosts/edge-01');
      return h.lastSeen > first.lastSeen ? h : null;
    });
    assert.equal(later.branch, 'hosts/edge-01');
    assert.equal(later.healthy, 1);
    const inventory = await waitFor('inventory', async () => (await api<{ inventory: unknown }>(hub, '/api/hosts/edge-01')).inventory, 15_000);
    assert.ok(inventory);
  });

  it('makes the agent sync on a signed push webhook for its branch', async () => {
    const agent = startAgent(hub, 'edge-02', hub.addToken('edge-02'));
    await waitFor('connected', () => agent.reporter.connected());
    await waitFor('hello stored', async () => (await api<{ branch: string }>(hub, '/api/hosts/edge-02')).branch === 'hosts/edge-02');
    const body = JSON.stringify({ ref: 'refs/heads/hosts/edge-02', after: 'b'.repeat(40) });
    const signature = 'sha256=' + createHmac('sha256', hub.secret).update(body).digest('hex');
    const pushedAt = Date.now();
    const res = await fetch(`${hub.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature } });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { notified: string[] }).notified, ['edge-02']);
    // How fast is bench/'s business (push -> converged); here only that the push reaches the agent.
    const sync = await waitFor('onSyncNow', () => agent.syncs[0], 20_000);
    assert.ok(sync.at >= pushedAt);
    const host = await api<{ revision: { head: string; upToDate: boolean } }>(hub, '/api/hosts/edge-02');
    assert.equal(host.revision.head, 'b'.repeat(40));
    assert.equal(host.revision.upToDate, false);
  });

  it('refuses a push webhook with a wrong signature and syncs nobody', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/hosts/edge-02', after: 'c'.repeat(40) });
    const res = await fetch(`${hub.url}/webhook`, { method: 'POST', body, headers: { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) } });
    assert.equal(res.status, 401);
  });

  it('delivers all 1,000 events emitted while the hub was down, in order and none twice', async () => {
    const agent = startAgent(hub, 'edge-03', hub.addToken('edge-03'));
    await waitFor('connected', () => agent.reporter.connected());
    agent.reporter.emit({ type: 'agent.started', version: '0.1.0-test' });
    await waitFor('first event acked', () => agent.reporter.outboxSize() === 0);
    await hub.kill('SIGKILL');
    await waitFor('link lost', () => !agent.reporter.connected());
    for (let i = 0; i < 1000; i++) agent.reporter.emit({ type: 'sync.started', commit: i.toString(16).padStart(40, '0'), trigger: `n${i}` });
    assert.equal(agent.reporter.outboxSize(), 1000);
    await hub.start();
    await waitFor('outbox drained', () => agent.reporter.outboxSize() === 0, 15_000);
    const events = await allEvents(hub, 'edge-03');
    assert.equal(events.length, 1001);
    assert.equal(events[0]?.type, 'agent.started');
    const triggers = events.slice(1).map((e) => (e.event as { trigger: string }).trigger);
    assert.deepEqual(triggers, Array.from({ length: 1000 }, (_, i) => `n${i}`));
    const seqs = events.map((e) => e.seq);
    assert.equal(new Set(seqs).size, seqs.length);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  });

  it('refuses a connection with a wrong token before reading any frame', async () => {
    const status = await new Promise<number>((res, rej) => {
      const ws = new WebSocket(`ws://127.0.0.1:${hub.port}/agent`, { headers: { authorization: 'Bearer moor_not-a-real-token' } });
      ws.on('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
      ws.on('open', () => rej(new Error('opened')));
      ws.on('error', () => undefined);
    });
    assert.equal(status, 401);
    const agent = startAgent(hub, 'edge-04', 'moor_wrong');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(agent.reporter.connected(), false);
    assert.match(hub.log(), /refused an agent with a missing or unknown token/);
  });

  it('asks a connected agent to sync from the API and says 409 for one that is not connected', async () => {
    const agent = startAgent(hub, 'edge-05', hub.addToken('edge-05'));
    await waitFor('connected', () => agent.reporter.connected());
    const res = await hub.fetch(`/api/hosts/edge-05/sync`, { method: 'POST' });
    assert.equal(res.status, 202);
    await waitFor('onSyncNow', () => agent.syncs.find((s) => s.reason === 'hub api'), 20_000);
    hub.addToken('edge-07');
    const offline = await hub.fetch(`/api/hosts/edge-07/sync`, { method: 'POST' });
    assert.equal(offline.status, 409);
  });

  it('posts alerts for a failed sync, a rollback, drift, a long suspension and a host gone offline', async () => {
    const agent = startAgent(hub, 'edge-06', hub.addToken('edge-06'));
    await waitFor('connected', () => agent.reporter.connected());
    const error = { name: 'HealthError', code: 'UNHEALTHY', message: 'web did not become healthy', handling: 'commit' as const };
    agent.status = statusOf('edge-06', { suspended: { until: '2099-01-01T00:00:00Z', reason: 'break-glass', since: new Date().toISOString() } });
    agent.reporter.emit({ type: 'sync.failed', commit: 'd'.repeat(40), error });
    agent.reporter.emit({ type: 'sync.rolledBack', commit: 'd'.repeat(40), to: 'a'.repeat(40), error });
    agent.reporter.emit({ type: 'drift.detected', changes: [], healed: true });
    agent.reporter.emit({ type: 'agent.suspended', until: '2099-01-01T00:00:00Z', reason: 'break-glass' });
    const kinds = ['sync.failed', 'sync.rolledBack', 'drift.detected', 'host.suspended'];
    await waitFor('alerts', () => kinds.every((k) => alerts.some((a) => a.kind === k && a.host === 'edge-06')), 20_000);
    await agent.reporter.stop();
    await waitFor('offline alert', () => alerts.some((a) => a.kind === 'host.offline' && a.host === 'edge-06'), 30_000);
    const metrics = await (await hub.fetch(`/metrics`, {}, hub.metricsToken)).text();
    assert.match(metrics, /moor_hub_syncs_total\{result="failed"\} 1/);
    assert.match(metrics, /moor_hub_hosts\{state="online"\} \d+/);
  });
});
