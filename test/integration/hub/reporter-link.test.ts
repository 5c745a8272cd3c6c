// The reporter against a bare websocket server on loopback playing a hostile or flaky hub:
// only sync, status, suspend and resume are obeyed, a full status on every connect, dead links dropped and redialled,
// heartbeats without a repeated summary, statuses without unchanged resources, and a status riding on
// the events frame that changed it, only for a hub that offers it.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HeartbeatSampler } from '../../../agent/reporter/host-metrics.js';
import type { AgentFrame, AgentMessage } from '../../../agent/contracts/hub-protocol.js';
import { LINGER_MS } from '../../../agent/reporter/outbox-flush.js';
import { createReporter, type Reporter } from '../../../agent/reporter/reporter.js';
import { openDatabase } from '../../../agent/store/db.js';
import { statusOf, waitFor } from './hub-process.js';

/** Room for a CI machine whose two cores are busy with other work. */
const SLOW = 30_000;

const dir = mkdtempSync(join(tmpdir(), 'moor-reporter-'));
const reporters: Reporter[] = [];
const servers: WebSocketServer[] = [];

const noMetrics: HeartbeatSampler = {
  start: () => undefined,
  sample: async () => ({ cpuLoad: 1, load1: 0.1, memUsed: 1, memTotal: 2, disks: [], uptimeSec: 1, temperature: null }),
  inventory: () => null,
};

interface FakeHub {
  port: number;
  frames: AgentFrame[];
  /** The frames of each connection, in the order the connections came. */
  framesBySocket: AgentFrame[][];
  sockets: WebSocket[];
  authHeaders: string[];
}

async function fakeHub(options: { autoPong?: boolean; ackEvents?: boolean; features?: string[] } = {}): Promise<FakeHub> {
  const hub: FakeHub = { port: 0, frames: [], framesBySocket: [], sockets: [], authHeaders: [] };
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: options.autoPong ?? true });
  servers.push(wss);
  wss.on('connection', (ws, req) => {
    hub.sockets.push(ws);
    const own: AgentFrame[] = [];
    hub.framesBySocket.push(own);
    hub.authHeaders.push(req.headers.authorization ?? '');
    ws.send(JSON.stringify({ t: 'welcome', ackedSeq: 0, ...(options.features ? { features: options.features } : {}) }));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as AgentFrame;
      hub.frames.push(frame);
      own.push(frame);
      if (frame.t === 'events' && options.ackEvents !== false) {
        ws.send(JSON.stringify({ t: 'ack', seq: frame.events[frame.events.length - 1]?.seq ?? 0 }));
      }
    });
  });
  await new Promise<void>((res) => wss.once('listening', res));
  const address = wss.address();
  hub.port = typeof address === 'object' && address ? address.port : 0;
  return hub;
}

function reporter(hub: FakeHub, name: string, onSyncNow: (reason: string) => void, heartbeatMs = 1000, outboxLimit = 1000): Reporter {
  const db = openDatabase({ file: join(dir, `${name}.db`) });
  const r = createReporter(
    { db, logger: pino({ level: 'silent' }), now: () => new Date(), random: () => 0.5, status: () => statusOf(name), metrics: noMetrics, onSyncNow },
    { settings: { url: `ws://127.0.0.1:${hub.port}/agent`, token: 'tok-' + name, heartbeatMs, caFile: null, outboxLimit }, host: name, version: 't', backoffMinMs: 50, backoffMaxMs: 200 },
  );
  reporters.push(r);
  r.start();
  return r;
}

describe('reporter link to a hub', () => {
  after(async () => {
    for (const r of reporters) await r.stop();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses any hub command other than sync, status, suspend and resume, and tells the hub', async () => {
    const hub = await fakeHub();
    const syncs: string[] = [];
    const r = reporter(hub, 'cmd-host', (reason) => syncs.push(reason));
    await waitFor('connected', () => r.connected(), SLOW);
    const ws = hub.sockets[0];
    assert.ok(ws);
    ws.send(JSON.stringify({ t: 'exec', command: 'rm -rf /' }));
    ws.send(JSON.stringify({ t: 'shell', argv: ['id'] }));
    ws.send('not json at all');
    ws.send(JSON.stringify({ t: 'sync', reason: 'operator' }));
    ws.send(JSON.stringify({ t: 'status' }));
    const refused = await waitFor('three refusals', () => {
      const list = hub.frames.filter((f): f is Extract<AgentMessage, { t: 'refused' }> => f.t === 'refused');
      return list.length === 3 ? list : null;
    }, SLOW);
    assert.deepEqual(refused.map((f) => f.command), ['exec', 'shell', '(not json)']);
    await waitFor('sync obeyed', () => syncs.length === 1, SLOW);
    assert.deepEqual(syncs, ['operator']);
    await waitFor('status answered', () => hub.frames.filter((f) => f.t === 'status').length >= 2, SLOW);
  });

  it('sends the bearer token, a hello and a full status snapshot on every (re)connect', async () => {
    const hub = await fakeHub();
    const r = reporter(hub, 'snap-host', () => undefined);
    const helloAndStatus = (frames: AgentFrame[] | undefined): boolean =>
      frames !== undefined && frames.some((f) => f.t === 'hello') && frames.some((f) => f.t === 'status');
    await waitFor('connected', () => r.connected(), SLOW);
    // The agent is welcomed before the hub has read its first frames: cut the link only once it has.
    await waitFor('a hello and a snapshot on the first connection', () => helloAndStatus(hub.framesBySocket[0]), SLOW);
    hub.sockets[0]?.terminate();
    // On a busy machine a slow pong may cost one more redial: count per connection, not in total.
    await waitFor('reconnected', () => hub.sockets.length >= 2 && r.connected(), SLOW);
    await waitFor('a hello and a snapshot on both connections', () => helloAndStatus(hub.framesBySocket[0]) && helloAndStatus(hub.framesBySocket[1]), SLOW);
    assert.ok(hub.authHeaders.length >= 2);
    for (const header of hub.authHeaders) assert.equal(header, 'Bearer tok-snap-host');
  });

  it('drops a link whose hub stops answering pings and dials again', async () => {
    const hub = await fakeHub({ autoPong: false });
    const r = reporter(hub, 'dead-host', () => undefined, 100);
    await waitFor('a second connection after the dead link', () => hub.sockets.length >= 2, SLOW);
    assert.ok(hub.sockets[0]?.readyState !== hub.sockets[0]?.OPEN);
    void r;
  });

  it('pings only a link the hub has been silent on since the last round, and keeps one the hub talks on without answering pings', async () => {
    // No pongs at all: only the hub's frames can keep this link up.
    const hub = await fakeHub({ autoPong: false });
    const r = reporter(hub, 'quiet-host', () => undefined, 100);
    await waitFor('connected', () => r.connected(), SLOW);
    const ws = hub.sockets[0];
    assert.ok(ws);
    let pings = 0;
    ws.on('ping', () => pings++);
    // The hub sends a frame every 20 ms (an ack of nothing): ten ping rounds go by, each with a frame heard.
    const chatter = setInterval(() => ws.send(JSON.stringify({ t: 'ack', seq: 0 })), 20);
    // A ping round every other 100 ms heartbeat: twenty beats are ten rounds.
    const beats = (): number => (hub.framesBySocket[0] ?? []).filter((f) => f.t === 'heartbeat').length;
    const before = beats();
    try {
      await waitFor('ten ping rounds on the first link', () => beats() >= before + 20 || hub.sockets.length > 1, SLOW);
    } finally {
      clearInterval(chatter);
    }
    const pingsWhileTalking = pings;
    assert.equal(hub.sockets.length, 1, 'the link the hub talks on is kept');
    // A stall of this machine longer than a round may let one ping through; without the rule there would be ten.
    assert.ok(pingsWhileTalking <= 2, `${pingsWhileTalking} pings while the hub talked`);
    // Silent now: the agent pings, gets no pong, and dials again.
    await waitFor('a ping once the hub went silent', () => pings > pingsWhileTalking, SLOW);
    await waitFor('a second connection after the silent link', () => hub.sockets.length >= 2, SLOW);
  });

  it('keeps heartbeats out of the outbox and events in it until acknowledged', async () => {
    const hub = await fakeHub({ ackEvents: false });
    const r = reporter(hub, 'ack-host', () => undefined, 50);
    await waitFor('connected', () => r.connected(), SLOW);
    r.emit({ type: 'agent.started', version: 't' });
    r.emit({ type: 'agent.resumed', reason: 'test' });
    await waitFor('heartbeats', () => hub.frames.filter((f) => f.t === 'heartbeat').length >= 3, SLOW);
    await waitFor('events sent', () => hub.frames.some((f) => f.t === 'events'), SLOW);
    assert.equal(r.outboxSize(), 2);
    hub.sockets[0]?.send(JSON.stringify({ t: 'ack', seq: 1 }));
    await waitFor('first acked', () => r.outboxSize() === 1, SLOW);
  });

  it('leaves an unchanged summary out of its heartbeats for a hub that offers lean ones, and sends it on a change and on each new link', async () => {
    type Beat = Extract<AgentMessage, { t: 'heartbeat' }>;
    const beats = (frames: AgentFrame[] | undefined): Beat[] => (frames ?? []).filter((f): f is Beat => f.t === 'heartbeat');
    const hub = await fakeHub({ ackEvents: false, features: ['lean-heartbeat', 'something-newer'] });
    const r = reporter(hub, 'lean-host', () => undefined, 50);
    await waitFor('four heartbeats', () => beats(hub.framesBySocket[0]).length >= 4, SLOW);
    const first = beats(hub.framesBySocket[0]);
    assert.equal(first[0]?.summary?.outbox, 0, 'the first beat of a link carries the summary');
    assert.ok(first.slice(1).every((b) => b.summary === undefined && b.metrics !== null), 'repeats leave it out, never the metrics');
    r.emit({ type: 'agent.started', version: 't' });
    await waitFor('a beat with the changed summary', () => beats(hub.framesBySocket[0]).some((b) => b.summary?.outbox === 1), SLOW);
    hub.sockets[0]?.terminate();
    await waitFor('a beat on the new link', () => beats(hub.framesBySocket[1]).length >= 1, SLOW);
    assert.equal(beats(hub.framesBySocket[1])[0]?.summary?.outbox, 1);

    const older = await fakeHub();
    reporter(older, 'full-host', () => undefined, 50);
    await waitFor('three heartbeats to an older hub', () => beats(older.frames).length >= 3, SLOW);
    assert.ok(beats(older.frames).every((b) => b.summary !== undefined), 'a hub that offers nothing gets the summary on every beat');
  });

  it('leaves unchanged resources out of a status for a hub that offers lean ones, but not from a link\'s first status or an answer to a request', async () => {
    type Status = Extract<AgentFrame, { t: 'status' }>;
    const statuses = (frames: AgentFrame[] | undefined): Status[] => (frames ?? []).filter((f): f is Status => f.t === 'status');
    const lean = (f: Status | undefined): boolean => f !== undefined && 'resources' in f && !('resources' in f.status);
    const hub = await fakeHub({ features: ['lean-status'] });
    const r = reporter(hub, 'lean-status-host', () => undefined, 60_000);
    await waitFor('connected', () => r.connected(), SLOW);
    r.emit({ type: 'agent.resumed', reason: 'test' });
    await waitFor('a second status', () => statuses(hub.framesBySocket[0]).length >= 2, SLOW);
    assert.deepEqual(statuses(hub.framesBySocket[0]).map(lean), [false, true]);
    hub.sockets[0]?.send(JSON.stringify({ t: 'status' }));
    await waitFor('the answer', () => statuses(hub.framesBySocket[0]).length >= 3, SLOW);
    assert.equal(lean(statuses(hub.framesBySocket[0])[2]), false);
    hub.sockets[0]?.terminate();
    await waitFor('reconnected', () => hub.sockets.length >= 2 && r.connected(), SLOW);
    r.emit({ type: 'agent.resumed', reason: 'again' });
    await waitFor('two statuses on the new link', () => statuses(hub.framesBySocket[1]).length >= 2, SLOW);
    assert.deepEqual(statuses(hub.framesBySocket[1]).map(lean), [false, true]);

    const older = await fakeHub();
    const o = reporter(older, 'whole-status-host', () => undefined, 60_000);
    await waitFor('connected to an older hub', () => o.connected(), SLOW);
    o.emit({ type: 'agent.resumed', reason: 'test' });
    await waitFor('a second status to an older hub', () => statuses(older.frames).length >= 2, SLOW);
    assert.ok(statuses(older.frames).every((f) => !lean(f)), 'a hub that offers nothing gets whole statuses');
  });

  it('sends a quick sync as one events frame carrying its status for a hub that offers it, and a lone event after a linger', async () => {
    type Events = Extract<AgentFrame, { t: 'events' }>;
    const events = (frames: AgentFrame[] | undefined): Events[] => (frames ?? []).filter((f): f is Events => f.t === 'events');
    const hub = await fakeHub({ features: ['lean-status', 'events-status'] });
    const r = reporter(hub, 'events-status-host', () => undefined, 60_000);
    await waitFor('connected', () => r.connected(), SLOW);
    const commit = 'c'.repeat(40);
    r.emit({ type: 'sync.started', commit, trigger: 'hub' });
    r.emit({ type: 'sync.succeeded', commit, changes: 1, durationMs: 5 });
    await waitFor('an events frame', () => events(hub.frames).length >= 1, SLOW);
    const [first] = events(hub.frames);
    assert.deepEqual(first?.events.map((e) => e.event.type), ['sync.started', 'sync.succeeded'], 'one frame for both events');
    assert.equal(first?.status?.host, 'events-status-host', 'with the status');
    assert.ok(first !== undefined && 'resources' in first, 'lean: the link sent these resources in its first status');
    assert.equal(hub.frames.filter((f) => f.t === 'status').length, 1, 'no status frame beside the first of the link');

    // Acknowledged first: an ack sends whatever waits in the outbox at once (the outbox drains).
    await waitFor('the frame acknowledged', () => r.outboxSize() === 0, SLOW);
    const before = performance.now();
    r.emit({ type: 'sync.started', commit: 'd'.repeat(40), trigger: 'hub' });
    await waitFor('the lone event', () => events(hub.frames).length >= 2, SLOW);
    assert.ok(performance.now() - before >= LINGER_MS - 50, 'it waited for company first');
    assert.equal(events(hub.frames)[1]?.status, undefined, 'an event that changes no status goes without one');
    await waitFor('that one acknowledged', () => r.outboxSize() === 0, SLOW);
    r.emit({ type: 'engine.unresponsive', error: { name: 'EngineError', code: 'ENGINE_TIMEOUT', message: 'no answer', handling: 'retry' } });
    await waitFor('the engine event', () => events(hub.frames).length >= 3, SLOW);
    assert.deepEqual(events(hub.frames)[2]?.events.map((e) => e.event.type), ['engine.unresponsive']);
    assert.ok(events(hub.frames)[2]?.status, 'an event that changes the status (its engine part) goes with it, without lingering');

    const older = await fakeHub({ features: ['lean-status'] });
    const o = reporter(older, 'separate-status-host', () => undefined, 60_000);
    await waitFor('connected to an older hub', () => o.connected(), SLOW);
    o.emit({ type: 'sync.started', commit, trigger: 'hub' });
    await waitFor('sync.started at once', () => events(older.frames).length >= 1, SLOW);
    o.emit({ type: 'sync.succeeded', commit, changes: 1, durationMs: 5 });
    await waitFor('a status after it', () => older.frames.filter((f) => f.t === 'status').length >= 2, SLOW);
    assert.ok(events(older.frames).every((f) => f.status === undefined), 'a hub that does not offer it gets its status apart');
  });
});
