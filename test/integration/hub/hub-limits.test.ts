// Bounded inputs on a real `moor hub` process: a flood of unauthenticated 5 MB bodies, hostile agent
// frames (1,000,000-deep, wrong types, events outside the catalogue, oversized), per-host event caps,
// capped event pages, merged sync requests and replayed or stale push webhooks.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hubFixture, statusOf, waitFor, type HubFixture } from './hub-process.js';
import { heartbeat, rawAgent } from './raw-agent.js';

const MB = 1024 * 1024;

function hwmMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** POSTs `body` and resolves with the status, or 0 when the hub cut the connection first. */
function post(port: number, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers } }, (r) => {
      r.on('error', () => undefined);
      r.resume();
      res(r.statusCode ?? 0);
    });
    req.on('error', () => res(0));
    req.on('socket', (socket) => socket.on('error', () => undefined));
    req.end(body);
  });
}

function push(hub: HubFixture, branch: string, after: string, delivery: string): Promise<Response> {
  const body = JSON.stringify({ ref: `refs/heads/${branch}`, after });
  const signature = 'sha256=' + createHmac('sha256', hub.secret).update(body).digest('hex');
  return fetch(`${hub.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signature } });
}

function bigDrift(bytes: number): unknown {
  const fields = Array.from({ length: Math.ceil(bytes / 4000) }, (_, i) => ({ field: `env.K${i}`, from: null, to: 'x'.repeat(3990) }));
  return { type: 'drift.detected', healed: false, changes: [{ kind: 'container', name: 'web', action: 'update', why: 'drift', fields, drift: true }] };
}

describe('hub limits', () => {
  let hub: HubFixture;

  before(async () => {
    hub = await hubFixture('rateLimitPerMinute: 100000\neventsPerHost: 100\neventBytesPerHost: 1048576\n');
    await hub.start();
  });

  after(async () => {
    await hub?.kill();
    rmSync(hub.dir, { recursive: true, force: true });
  });

  it('refuses 300 parallel unauthenticated 5 MB bodies before reading them, staying under 256 MB', async () => {
    const body = Buffer.alloc(5 * MB, 'a');
    const before = hwmMb(hub.pid());
    const statuses = await Promise.all(Array.from({ length: 300 }, (_, i) => {
      if (i % 3 === 0) return post(hub.port, '/api/hosts/edge-x/sync', body);
      if (i % 3 === 1) return post(hub.port, '/webhook', body);
      return post(hub.port, '/webhook', body, { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) });
    }));
    const peak = hwmMb(hub.pid());
    process.stdout.write(`# hub RSS high-water: ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB after 300 x 5 MB bodies\n`);
    assert.ok(statuses.every((s) => [0, 401, 408, 413, 503].includes(s)), `statuses: ${[...new Set(statuses)].join(',')}`);
    assert.ok(peak < 256, `hub high-water ${peak} MB`);
    assert.equal((await hub.fetch('/api/hosts')).status, 200);
  });

  it('drops a client that sends its headers a line a second (slowloris) within the 10 s header timeout', async () => {
    const socket = connect(hub.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /api/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const started = Date.now();
    const drip = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now()}: 1\r\n`), 1000);
    await new Promise<void>((res) => socket.once('close', () => res()));
    clearInterval(drip);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds >= 9 && seconds < 25, `closed after ${seconds} s`);
  });

  it('closes the link that sent a 1,000,000-deep frame; another host keeps flushing, across a restart', async () => {
    const bad = await rawAgent(hub.port, hub.addToken('edge-deep'), 'edge-deep');
    const good = await rawAgent(hub.port, hub.addToken('edge-good'), 'edge-good');
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    bad.sendText(`{"t":"status","status":${deep}}`);
    await waitFor('the deep link closed', () => bad.closeCode !== null);
    assert.equal(bad.closeCode, 4002);
    good.send(heartbeat(7));
    await waitFor('heartbeat seen', async () => ((await (await hub.fetch('/api/hosts/edge-good')).json()) as { healthy: number }).healthy === 7);
    await hub.kill();
    await hub.start();
    const after = (await (await hub.fetch('/api/hosts/edge-good')).json()) as { healthy: number; lastSeen: string | null };
    assert.equal(after.healthy, 7);
    assert.ok(after.lastSeen);
    good.close();
  });

  it('refuses a status whose branch is a number; the fleet list still answers', async () => {
    const agent = await rawAgent(hub.port, hub.addToken('edge-num'), 'edge-num');
    agent.send({ t: 'status', status: { ...statusOf('edge-num'), branch: 123 } });
    await waitFor('closed', () => agent.closeCode !== null);
    assert.equal(agent.closeCode, 4002);
    const res = await hub.fetch('/api/hosts?q=edge');
    assert.equal(res.status, 200);
    const { hosts } = (await res.json()) as { hosts: { host: string; branch: string }[] };
    assert.equal(hosts.find((h) => h.host === 'edge-num')?.branch, 'hosts/edge-num');
  });

  it('refuses events outside the catalogue and oversized events; stores none of the frame', async () => {
    const agent = await rawAgent(hub.port, hub.addToken('edge-evt'), 'edge-evt');
    agent.send({ t: 'events', events: [{ seq: 1, at: new Date().toISOString(), event: { type: 'agent.started', version: '1' } }, { seq: 2, at: new Date().toISOString(), event: { type: 'made.up.type', x: 1 } }] });
    await waitFor('closed', () => agent.closeCode !== null);
    const again = await rawAgent(hub.port, hub.addToken('edge-evt'), 'edge-evt');
    again.send({ t: 'events', events: [{ seq: 1, at: new Date().toISOString(), event: bigDrift(300 * 1024) }] });
    await waitFor('closed', () => again.closeCode !== null);
    const { events } = (await (await hub.fetch('/api/hosts/edge-evt/events')).json()) as { events: unknown[] };
    assert.equal(events.length, 0);
    const metrics = await (await hub.fetch('/metrics', {}, hub.metricsToken)).text();
    assert.doesNotMatch(metrics, /made\.up\.type/);
  });

  it('caps each host at its event rows and bytes, pruning on insert whatever the seq numbers', async () => {
    const agent = await rawAgent(hub.port, hub.addToken('edge-cap'), 'edge-cap');
    const at = new Date().toISOString();
    let seq = 0;
    for (let frame = 0; frame < 8; frame++) {
      const events = Array.from({ length: 5 }, () => ({ seq: (seq += 997), at, event: bigDrift(200 * 1024) }));
      agent.send({ t: 'events', events });
      await waitFor('ack', () => agent.received.some((m) => m.t === 'ack' && m.seq === seq));
    }
    const big = (await (await hub.fetch('/api/hosts/edge-cap/events?limit=1000')).json()) as { events: unknown[] };
    const bytes = big.events.reduce<number>((n, e) => n + JSON.stringify((e as { event: unknown }).event).length, 0);
    assert.ok(bytes <= MB, `${bytes} bytes kept`);
    assert.ok(big.events.length <= 5);
    for (let i = 0; i < 300; i++) agent.send({ t: 'events', events: [{ seq: (seq += i % 2 === 0 ? 1 : 499), at, event: { type: 'agent.started', version: `${i}` } }] });
    await waitFor('last ack', () => agent.received.some((m) => m.t === 'ack' && m.seq === seq));
    const page = (await (await hub.fetch('/api/hosts/edge-cap/events?limit=1000')).json()) as { events: unknown[] };
    assert.equal(page.events.length, 100);
  });

  it('caps an events page at 200 whatever limit is asked', async () => {
    const agent = await rawAgent(hub.port, hub.addToken('edge-page'), 'edge-page');
    const at = new Date().toISOString();
    agent.send({ t: 'events', events: Array.from({ length: 100 }, (_, i) => ({ seq: i + 1, at, event: { type: 'agent.started', version: `${i}` } })) });
    await waitFor('ack', () => agent.received.some((m) => m.t === 'ack' && m.seq === 100));
    const page = (await (await hub.fetch('/api/hosts/edge-page/events?limit=1000')).json()) as { events: unknown[] };
    assert.ok(page.events.length <= 200);
  });

  it('merges 500 sync requests to one agent while one is pending into a single sync', async () => {
    const agent = await rawAgent(hub.port, hub.addToken('edge-sync'), 'edge-sync');
    const token = hub.addUser('sync-operator', 'operator');
    const answers: { sent: boolean; merged: boolean }[] = [];
    for (let batch = 0; batch < 10; batch++) {
      answers.push(...(await Promise.all(Array.from({ length: 50 }, async () => (await hub.fetch('/api/hosts/edge-sync/sync', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }, token)).json() as Promise<{ sent: boolean; merged: boolean }>))));
    }
    assert.equal(answers.filter((a) => a.sent).length, 1);
    assert.equal(answers.filter((a) => a.merged).length, 499);
    await waitFor('the sync arrived', () => agent.received.some((m) => m.t === 'sync'));
    assert.equal(agent.received.filter((m) => m.t === 'sync').length, 1);
    agent.send({ t: 'events', events: [{ seq: 1, at: new Date().toISOString(), event: { type: 'sync.started', commit: 'a'.repeat(40), trigger: 'hub' } }] });
    await waitFor('ack', () => agent.received.some((m) => m.t === 'ack'));
    const next = (await (await hub.fetch('/api/hosts/edge-sync/sync', { method: 'POST' }, token)).json()) as { sent: boolean };
    assert.equal(next.sent, true);
  });

  it('acts on a push webhook once per delivery and never moves a branch head back', async () => {
    const agent = await rawAgent(hub.port, hub.addToken('edge-push'), 'edge-push');
    const first = await push(hub, 'hosts/edge-push', 'b'.repeat(40), 'delivery-1');
    assert.equal(first.status, 200);
    const replay = await push(hub, 'hosts/edge-push', 'b'.repeat(40), 'delivery-1');
    assert.equal(replay.status, 202);
    assert.match(await replay.text(), /already handled/);
    agent.send({ t: 'status', status: statusOf('edge-push') });
    assert.equal((await push(hub, 'hosts/edge-push', 'c'.repeat(40), 'delivery-2')).status, 200);
    const stale = await push(hub, 'hosts/edge-push', 'b'.repeat(40), 'delivery-3');
    assert.equal(stale.status, 202);
    assert.match(await stale.text(), /not newer/);
    const host = (await (await hub.fetch('/api/hosts/edge-push')).json()) as { revision: { head: string } };
    assert.equal(host.revision.head, 'c'.repeat(40));
    await waitFor('two syncs reached the agent', () => agent.received.filter((m) => m.t === 'sync').length === 2);
  });
});
