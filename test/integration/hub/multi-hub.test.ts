// Two hub processes on one PostgreSQL (the test bed's), real agent links (the agent's reporter):
// a sync request through the hub that does not hold the link reaches the agent; a hub killed with
// SIGKILL while agents send events loses none and stores none twice; the other takes the lease.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { HeartbeatSampler } from '../../../agent/reporter/host-metrics.js';
import { createReporter, type Reporter } from '../../../agent/reporter/reporter.js';
import { openDatabase } from '../../../agent/store/db.js';
import { createTestDatabase, databaseYaml, postgresBed } from '../../bed/postgres-db.js';
import { freePort, hubFixture, statusOf, waitFor, type HubFixture } from './hub-process.js';

const SLOW = 60_000;
const EVENTS = 150;
// The waits below ask the hubs' API every 25 ms: more than the default rate limit lets one address.
const HUB_YAML = 'offlineAfter: 30s\nrateLimitPerMinute: 100000\n';
const noMetrics: HeartbeatSampler = {
  start: () => undefined,
  sample: async () => ({ cpuLoad: 1, load1: 0.1, memUsed: 1, memTotal: 2, disks: [], uptimeSec: 1, temperature: null }),
  inventory: () => null,
};

/** A TCP balancer in front of the hubs: each new connection goes to the first hub that accepts it. */
async function balancer(ports: () => number[]): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((client) => {
    const tryNext = (left: number[]): void => {
      const target = left[0];
      if (target === undefined) return void client.destroy();
      const upstream: Socket = createConnection({ host: '127.0.0.1', port: target });
      upstream.once('error', () => tryNext(left.slice(1)));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
      });
    };
    tryNext(ports());
  });
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  return { server, port };
}

async function metric(hub: HubFixture, name: string): Promise<number | null> {
  try {
    const text = await (await hub.fetch('/metrics', {}, hub.metricsToken)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ').pop()) : null;
  } catch {
    return null;
  }
}

/** Waits until `hub` shows `host` online: another hub's agent, known to it from the database. */
async function seenOnline(hub: HubFixture, host: string): Promise<void> {
  await waitFor(`the hub on port ${hub.port} sees ${host} online`, async () => {
    const res = await hub.fetch(`/api/hosts/${host}`);
    return res.ok && ((await res.json()) as { online: boolean }).online;
  }, SLOW);
}

describe('several hubs on one PostgreSQL', { skip: postgresBed() ? false : 'no PostgreSQL test bed (bash test/bed/postgres.sh start; eval "$(bash test/bed/postgres.sh env)")' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-multi-hub-'));
  const reporters: Reporter[] = [];
  let a: HubFixture;
  let b: HubFixture;
  let lb: { server: Server; port: number };
  let aAlive = true;

  function agent(host: string, token: string, port: number, syncs: string[], breakGlass: string[] = []): Reporter {
    const r = createReporter(
      { db: openDatabase({ file: join(dir, `${host}.db`) }), logger: pino({ level: 'silent' }), now: () => new Date(), random: Math.random, status: () => statusOf(host), metrics: noMetrics, onSyncNow: (reason) => syncs.push(reason),
        onSuspend: (m) => void breakGlass.push(`suspend ${m.reason}`), onResume: () => void breakGlass.push('resume') },
      { settings: { url: `ws://127.0.0.1:${port}/agent`, token, heartbeatMs: 300, caFile: null, outboxLimit: 20_000 }, host, version: '0.1.0-test', backoffMinMs: 100, backoffMaxMs: 500 },
    );
    reporters.push(r);
    r.start();
    return r;
  }

  before(async () => {
    const shared = databaseYaml(await createTestDatabase());
    a = await hubFixture(HUB_YAML, shared);
    b = await hubFixture(HUB_YAML, shared);
    await a.start();
    // A starts first and takes the lease; B waits behind it.
    await waitFor('hub A leads', async () => (await metric(a, 'moor_hub_leader')) === 1, SLOW);
    await b.start();
    lb = await balancer(() => (aAlive ? [a.port, b.port] : [b.port]));
  });

  after(async () => {
    for (const r of reporters) await r.stop();
    lb?.server.close();
    await a?.kill();
    await b?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes a sync request made on the hub without the link to the hub that has it', async () => {
    const syncs: string[] = [];
    const r = agent('edge-sync', a.addToken('edge-sync'), a.port, syncs);
    await waitFor('linked to hub A', () => r.connected(), SLOW);
    // Hub B learns from the database that another hub has edge-sync online.
    await seenOnline(b, 'edge-sync');
    const res = await b.fetch('/api/hosts/edge-sync/sync', { method: 'POST' });
    assert.equal(res.status, 202, await res.text());
    await waitFor('the agent asked to sync', () => syncs.length > 0, SLOW);
    assert.deepEqual(syncs, ['hub api']);
  });

  it('passes a signed push webhook delivered to the hub without the link to the hub that has it', async () => {
    const syncs: string[] = [];
    const r = agent('edge-push', a.addToken('edge-push'), a.port, syncs);
    await waitFor('linked to hub A', () => r.connected(), SLOW);
    await seenOnline(b, 'edge-push');
    // The branch's host is known to hub B from the database (the agent said hello to hub A).
    await waitFor('hub B knows the branch', async () => ((await (await b.fetch('/api/hosts/edge-push')).json()) as { branch: string | null }).branch === 'hosts/edge-push', SLOW);
    const head = 'd'.repeat(40);
    const body = JSON.stringify({ ref: 'refs/heads/hosts/edge-push', after: head });
    const signature = 'sha256=' + createHmac('sha256', b.secret).update(body).digest('hex');
    const res = await fetch(`${b.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature } });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual((JSON.parse(text) as { notified: string[] }).notified, ['edge-push']);
    await waitFor('the agent asked to sync', () => syncs.length > 0, SLOW);
    assert.deepEqual(syncs, [`push ${head.slice(0, 12)}`]);
  });

  it('shows the same fleet from either hub (what the dashboard reads)', async () => {
    const fleetOf = async (hub: HubFixture): Promise<string> => {
      const res = await hub.fetch('/api/hosts');
      assert.equal(res.status, 200);
      const { hosts } = (await res.json()) as { hosts: { host: string; online: boolean; branch: string }[] };
      return JSON.stringify(hosts.map((h) => [h.host, h.online, h.branch]).sort());
    };
    // Each hub reads the other's records every refresh (2 s): wait until both agree, then check they list the hosts.
    await waitFor('both hubs list the same hosts, online, on the same branches', async () => (await fleetOf(a)) === (await fleetOf(b)), SLOW);
    const hosts = JSON.parse(await fleetOf(b)) as [string, boolean, string][];
    for (const name of ['edge-sync', 'edge-push']) assert.ok(hosts.some(([h, online]) => h === name && online), `${name} online on both hubs: ${JSON.stringify(hosts)}`);
  });

  it('reads in full only the host rows another hub wrote (the refresh lists names and times first)', async () => {
    // edge-sync (above) is linked to hub A: its row is A's own, listed by A's refresh but never read in full there.
    await waitFor('hub A listed its own rows', async () => ((await metric(a, 'moor_hub_absorb_rows_total')) ?? 0) >= 3, SLOW);
    assert.equal(await metric(a, 'moor_hub_absorb_read_total'), 0);
    // Hub B reads it when it changed (here every flush: the agent's heartbeat is 300 ms).
    await waitFor('hub B read a row', async () => ((await metric(b, 'moor_hub_absorb_read_total')) ?? 0) > 0, SLOW);
    assert.ok(((await metric(b, 'moor_hub_absorb_read_total')) ?? 0) <= ((await metric(b, 'moor_hub_absorb_rows_total')) ?? 0));
  });

  it('passes an operator\'s suspend and resume made on the hub without the link to the hub that has it', async () => {
    const breakGlass: string[] = [];
    const r = agent('edge-glass', a.addToken('edge-glass'), a.port, [], breakGlass);
    await waitFor('linked to hub A', () => r.connected(), SLOW);
    await seenOnline(b, 'edge-glass');
    const suspend = await b.fetch('/api/hosts/edge-glass/suspend', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'disk swap' }) });
    assert.equal(suspend.status, 202, await suspend.text());
    await waitFor('the agent suspended', () => breakGlass.length > 0, SLOW);
    const resume = await b.fetch('/api/hosts/edge-glass/resume', { method: 'POST' });
    assert.equal(resume.status, 202, await resume.text());
    await waitFor('the agent resumed', () => breakGlass.length > 1, SLOW);
    assert.deepEqual(breakGlass, ['suspend disk swap', 'resume']);
  });

  it('loses no event and stores none twice when the hub holding the links is killed; the other takes the lease', async (t) => {
    const hosts = ['edge-k1', 'edge-k2', 'edge-k3'];
    const links = hosts.map((h) => agent(h, a.addToken(h), lb.port, []));
    await waitFor('agents linked', () => links.every((r) => r.connected()), SLOW);
    let killedAt = 0;
    for (let i = 1; i <= EVENTS; i++) {
      for (const r of links) r.emit({ type: 'sync.started', commit: i.toString(16).padStart(40, '0'), trigger: `n${i}` });
      if (i === EVENTS / 3) {
        aAlive = false;
        killedAt = Date.now();
        await a.kill('SIGKILL');
      }
      await new Promise((res) => setTimeout(res, 10));
    }
    const tookOver = await waitFor('hub B leads', async () => ((await metric(b, 'moor_hub_leader')) === 1 ? Date.now() : null), SLOW);
    t.diagnostic(`lease failover: hub B leads ${tookOver - killedAt} ms after hub A was killed`);
    for (const host of hosts) {
      const seqs = await waitFor(`all events of ${host} on hub B`, async () => {
        const res = await b.fetch(`/api/hosts/${host}/events?limit=200`);
        if (!res.ok) return null;
        const { events } = (await res.json()) as { events: { seq: number }[] };
        return events.length >= EVENTS ? events.map((e) => e.seq) : null;
      }, SLOW);
      assert.equal(seqs.length, EVENTS, `${host}: every event once`);
      assert.equal(new Set(seqs).size, EVENTS, `${host}: no event twice`);
    }
  });
});
