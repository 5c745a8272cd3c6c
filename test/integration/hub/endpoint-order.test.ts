// The agent endpoint takes a frame at once when nothing before it waits for the store, and in order
// after an events frame that does: a status sent after events is applied only once those events
// are committed and acknowledged. A failing store drops the link without blaming the frame. Real
// websockets on loopback, the real Fleet over SQLite with its event writes held at a gate.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import WebSocket from 'ws';
import { StoreError } from '../../../agent/contracts/errors.js';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { AgentEndpoint } from '../../../hub/agent-endpoint.js';
import { Fleet } from '../../../hub/fleet.js';
import { SqlHostStorage } from '../../../hub/storage/host-queries.js';
import { openSqliteStorage } from '../../../hub/storage/open.js';
import type { EventBatchItem, EventCaps, InsertedEvents } from '../../../hub/storage/port.js';
import { waitFor } from './hub-process.js';

const SLOW = 30_000;
const servers: Server[] = [];
const endpoints: AgentEndpoint[] = [];

/** The real queries, event batches held until released (or failed). */
class GatedStore extends SqlHostStorage {
  readonly held: { release: () => void; fail: () => void }[] = [];
  override insertEventBatch(items: readonly EventBatchItem[], caps: EventCaps): Promise<InsertedEvents[]> {
    return new Promise((resolve, reject) => this.held.push({
      release: () => resolve(super.insertEventBatch(items, caps)),
      fail: () => reject(new StoreError('STORE_QUERY_FAILED', 'hub database: the disk is gone', { handling: 'retry' })),
    }));
  }
}

const revision = (c: string): StatusSnapshot => ({
  host: 'edge-1', version: '1', branch: 'hosts/edge-1', revision: { applied: c.repeat(40), lastGood: c.repeat(40), head: c.repeat(40) }, state: 'idle',
  lastSync: null, source: null, suspended: null, pending: null, resources: [], drift: [], hub: null,
});

async function hubWith(store: GatedStore): Promise<{ fleet: Fleet; url: string }> {
  const logger = pino({ level: 'silent' });
  const fleet = new Fleet({ store, logger, now: () => new Date(), alerts: { send: () => undefined, drain: async () => undefined } },
    { offlineAfterMs: 60_000, suspendedAfterMs: 3_600_000, eventsPerHost: 100, eventBytesPerHost: 1 << 20 });
  const endpoint = new AgentEndpoint({ fleet, store, logger }, { path: '/agent', pingMs: 60_000, maxPayload: 1 << 20 });
  endpoints.push(endpoint);
  const server = createServer();
  servers.push(server);
  server.on('upgrade', (req, socket, head) => endpoint.handleUpgrade(req, socket, head));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const address = server.address();
  return { fleet, url: `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/agent` };
}

/** An agent link that records what the hub sends, welcomed and with its first whole status sent. */
async function link(url: string, token: string): Promise<{ ws: WebSocket; got: { t: string; seq?: number }[]; closed: { code: number | null } }> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const got: { t: string; seq?: number }[] = [];
  const closed: { code: number | null } = { code: null };
  ws.on('message', (data) => got.push(JSON.parse(String(data)) as { t: string; seq?: number }));
  ws.on('close', (code) => (closed.code = code));
  await waitFor('welcome', () => got.some((m) => m.t === 'welcome'), SLOW);
  ws.send(JSON.stringify({ t: 'status', status: revision('a') }));
  return { ws, got, closed };
}

const event = (seq: number, c: string) => ({ seq, at: new Date().toISOString(), event: { type: 'sync.succeeded', commit: c.repeat(40), changes: 1, durationMs: 5 } });

describe('the agent endpoint', () => {
  after(async () => {
    for (const e of endpoints) await e.close();
    for (const s of servers) s.close();
  });

  it('takes a frame sent after an events frame only once those events are committed and acknowledged', async () => {
    const storage = openSqliteStorage(':memory:');
    const store = new GatedStore(storage.exec, 'sqlite');
    await store.addToken('edge-1', 'tok-order', new Date());
    const { fleet, url } = await hubWith(store);
    const agent = await link(url, 'tok-order');
    await waitFor('the first status', async () => (await fleet.get('edge-1'))?.revision.applied === 'a'.repeat(40), SLOW);
    agent.ws.send(JSON.stringify({ t: 'events', events: [event(1, 'b')] }));
    agent.ws.send(JSON.stringify({ t: 'status', status: revision('b') }));
    await waitFor('the batch at the store', () => store.held.length === 1, SLOW);
    // The hub answers a ping in the order of the frames: once the pong is back, it has read the status.
    await new Promise((res) => {
      agent.ws.once('pong', res);
      agent.ws.ping();
    });
    assert.equal((await fleet.get('edge-1'))?.revision.applied, 'a'.repeat(40), 'not before the events are committed');
    assert.equal(agent.got.some((m) => m.t === 'ack'), false);
    store.held[0]?.release();
    await waitFor('the ack', () => agent.got.some((m) => m.t === 'ack' && m.seq === 1), SLOW);
    await waitFor('the status after it', async () => (await fleet.get('edge-1'))?.revision.applied === 'b'.repeat(40), SLOW);
    assert.deepEqual((await store.events('edge-1', 10)).map((e) => e.seq), [1]);
    agent.ws.close();
  });

  it('drops the link without blame when the store fails, and acknowledges nothing', async () => {
    const storage = openSqliteStorage(':memory:');
    const store = new GatedStore(storage.exec, 'sqlite');
    await store.addToken('edge-1', 'tok-fail', new Date());
    const { url } = await hubWith(store);
    const agent = await link(url, 'tok-fail');
    agent.ws.send(JSON.stringify({ t: 'events', events: [event(1, 'b')] }));
    await waitFor('the batch at the store', () => store.held.length === 1, SLOW);
    store.held[0]?.fail();
    await waitFor('the link dropped', () => agent.closed.code !== null, SLOW);
    assert.notEqual(agent.closed.code, 4002, 'not closed as a bad frame');
    assert.equal(agent.got.some((m) => m.t === 'ack'), false);
  });
});
