// Two hubs on one PostgreSQL run a rollout (the simulation's config repo, bench/rollout-sim-hub.ts,
// simulated agents on real websockets behind a balancer): the hub running it is killed with SIGKILL
// mid-rollout, the other takes the lease, resumes the rollout from the database and finishes it.
// The rollout is started, paused and resumed through the hub that does not run it (forward.ts).

import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { simCommit, simHost } from '../../../bench/rollout-sim-hub.js';
import { createTestDatabase, databaseYaml, postgresBed } from '../../bed/postgres-db.js';
import { freePort, hubFixture, waitFor, type HubFixture } from './hub-process.js';

const SLOW = 120_000;
const HOSTS = 6;
const FLEET_COMMIT = 'b'.repeat(40);
const SIM_HUB = resolve(import.meta.dirname, '../../../bench/rollout-sim-hub.js');

function status(host: string, commit: string): string {
  return JSON.stringify({ t: 'status', status: {
    host, version: '0.1.0', branch: `hosts/${host}`, revision: { applied: commit, lastGood: commit, head: commit }, state: 'idle',
    lastSync: { at: new Date().toISOString(), commit, result: 'succeeded', error: null }, source: null, suspended: null, pending: null, drift: [], hub: null,
    resources: [{ kind: 'container', name: 'web', health: 'healthy', detail: 'running' }],
  } });
}

/** A simulated agent: applies what it is told to sync after 1.5 s, and dials again when its link drops. */
function simAgent(port: number, host: string, token: string, stopped: () => boolean): void {
  let commit = 'a'.repeat(40);
  let seq = 0;
  let current: WebSocket | null = null;
  // Like the agent's reporter: what was applied is reported on whichever link is up by then.
  const report = (): void => {
    const ws = current;
    if (!ws || ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify({ t: 'events', events: [{ seq: ++seq, at: new Date().toISOString(), event: { type: 'sync.succeeded', commit, changes: 1, durationMs: 1500 } }] }));
    ws.send(status(host, commit));
  };
  const dial = (): void => {
    if (stopped()) return;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/agent`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    current = ws;
    ws.on('open', () => {
      ws.send(JSON.stringify({ t: 'hello', host, version: '0.1.0', branch: `hosts/${host}`, inventory: null }));
      ws.send(status(host, commit));
    });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { t: string };
      if (m.t !== 'sync') return;
      setTimeout(() => {
        commit = simCommit(FLEET_COMMIT, host);
        report();
      }, 1500);
    });
    ws.on('error', () => undefined);
    ws.on('close', () => setTimeout(dial, 200));
  };
  dial();
}

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

// The hub taking over asks the current wave's waiting hosts to sync again (runner nudgeWaiting):
// without that, hosts the dead hub had asked just before dying never heard and the rollout hung.
const SKIP = !postgresBed() ? 'no PostgreSQL test bed' : false;

describe('a rollout on two hubs sharing PostgreSQL', { skip: SKIP }, () => {
  let a: HubFixture;
  let b: HubFixture;
  let lb: { server: Server; port: number };
  let aAlive = true;
  let done = false;

  before(async () => {
    const shared = databaseYaml(await createTestDatabase());
    const sim = (config: string) => [SIM_HUB, config, String(HOSTS)];
    a = await hubFixture('offlineAfter: 30s\n', shared, sim);
    b = await hubFixture('offlineAfter: 30s\n', shared, sim);
    await a.start();
    await waitFor('hub A leads', async () => /^moor_hub_leader 1$/m.test(await (await a.fetch('/metrics', {}, a.metricsToken)).text()), SLOW);
    await b.start();
    lb = await balancer(() => (aAlive ? [a.port, b.port] : [b.port]));
  });

  after(async () => {
    done = true;
    lb?.server.close();
    await a?.kill();
    await b?.kill();
  });

  it('is finished by the other hub when the hub running it is killed', async (t) => {
    for (let i = 0; i < HOSTS; i++) simAgent(lb.port, simHost(i), a.addToken(simHost(i)), () => done);
    await waitFor('every agent linked', async () => {
      const res = await a.fetch('/api/hosts?filter=online').catch(() => null);
      return res?.ok && ((await res.json()) as { total: number }).total === HOSTS;
    }, SLOW).catch((err: unknown) => {
      t.diagnostic(`hub A: ${a.log().slice(-3000)}`);
      throw err;
    });
    // Started, paused and resumed through hub B, which does not run the rollouts: it passes the writes to hub A.
    const post = (path: string, body: unknown) => b.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await post('/api/rollouts', { commit: FLEET_COMMIT, waves: [1, 1, '100%'], maxFailures: 0, waveTimeout: '5m', pause: '0s' });
    const body = await created.text();
    assert.equal(created.status, 201, body);
    const { id, hosts } = JSON.parse(body) as { id: number; hosts: unknown[] };
    assert.equal(hosts.length, HOSTS);
    const paused = await post(`/api/rollouts/${id}/pause`, {});
    assert.equal(paused.status, 200, await paused.clone().text());
    assert.equal(((await paused.json()) as { status: string }).status, 'paused');
    assert.equal(((await (await a.fetch(`/api/rollouts/${id}`)).json()) as { status: string }).status, 'paused', 'hub A runs what hub B was told');
    const again = await post(`/api/rollouts/${id}/pause`, {});
    assert.equal(again.status, 409, 'a refusal comes back as hub A gave it');
    const resumed = await post(`/api/rollouts/${id}/resume`, {});
    assert.equal(((await resumed.json()) as { status: string }).status, 'running');
    await waitFor('wave 2 under way', async () => ((await (await a.fetch(`/api/rollouts/${id}`)).json()) as { wave: number }).wave >= 2, SLOW);
    aAlive = false;
    const killedAt = Date.now();
    await a.kill('SIGKILL');
    const final = await waitFor('finished by hub B', async () => {
      const res = await b.fetch(`/api/rollouts/${id}`).catch(() => null);
      if (!res?.ok) return null;
      const r = (await res.json()) as { status: string };
      return r.status === 'running' ? null : r;
    }, SLOW).catch((err: unknown) => {
      t.diagnostic(`hub A: ${a.log().slice(-3000)}\nhub B: ${b.log().slice(-3000)}`);
      throw err;
    });
    t.diagnostic(`rollout failover: hub B finished rollout ${id} ${Date.now() - killedAt} ms after hub A was killed`);
    assert.equal(final.status, 'completed', JSON.stringify(final));
  });
});
