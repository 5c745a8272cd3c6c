// The hub writes a host's whole row only when something in it changed (a status moves the summary
// with it); a heartbeat that moved only the time and metrics is written narrowly, and at most every
// seenWriteMs (all of them at stop).
// The periodic check reads the token holders' names only when the tokens changed, and lists them
// without writing rows no agent has spoken for.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { AgentMessage, HeartbeatSummary } from '../../../agent/contracts/hub-protocol.js';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { Fleet } from '../../../hub/fleet.js';
import { SqlHostStorage } from '../../../hub/storage/host-queries.js';
import { openSqliteStorage } from '../../../hub/storage/open.js';
import type { HostRow, SeenRow } from '../../../hub/storage/port.js';

/** The real queries on an in-memory database, noting which hosts each flush wrote and how. */
class RecordingStore extends SqlHostStorage {
  full: string[] = [];
  seen: string[] = [];
  nameReads = 0;
  override tokenHostNames(): Promise<string[]> {
    this.nameReads++;
    return super.tokenHostNames();
  }
  override saveHosts(rows: readonly HostRow[]): Promise<void> {
    this.full.push(...rows.map((r) => r.host));
    return super.saveHosts(rows);
  }
  override saveSeen(rows: readonly SeenRow[]): Promise<void> {
    this.seen.push(...rows.map((r) => r.host));
    return super.saveSeen(rows);
  }
  taken(): { full: string[]; seen: string[] } {
    const out = { full: this.full.sort(), seen: this.seen.sort() };
    this.full = [];
    this.seen = [];
    return out;
  }
}

const SEEN_WRITE_MS = 20_000;
const commit = 'a'.repeat(40);
const summary: HeartbeatSummary = { applied: commit, head: commit, state: 'idle', healthy: 2, unhealthy: 0, suspended: false, outbox: 0, labels: { site: 'berlin' } };
const metrics = (cpuLoad: number) => ({ cpuLoad, load1: 0.1, memUsed: 1, memTotal: 2, disks: [], uptimeSec: 1, temperature: null });
const beat = (cpuLoad: number, s: HeartbeatSummary | undefined = { ...summary, labels: { site: 'berlin' } }): AgentMessage =>
  ({ t: 'heartbeat', at: new Date(0).toISOString(), metrics: metrics(cpuLoad), ...(s ? { summary: s } : {}) });
const status = (host: string): StatusSnapshot => ({
  host, version: '1', branch: `hosts/${host}`, revision: { applied: commit, lastGood: commit, head: commit }, state: 'idle',
  lastSync: null, source: null, suspended: null, pending: null, resources: [], drift: [], hub: null,
});

function setup(): { fleet: Fleet; store: RecordingStore; advance: (ms: number) => void } {
  const store = new RecordingStore(openSqliteStorage(':memory:').exec, 'sqlite');
  let now = Date.parse('2026-12-01T00:00:00Z');
  const fleet = new Fleet(
    { store, logger: pino({ level: 'silent' }), now: () => new Date(now), alerts: { send: () => undefined, drain: async () => undefined } },
    { offlineAfterMs: 60_000, suspendedAfterMs: 3_600_000, eventsPerHost: 100, eventBytesPerHost: 1 << 20, seenWriteMs: SEEN_WRITE_MS },
  );
  return { fleet, store, advance: (ms) => (now += ms) };
}

describe('the hub flushing host records', () => {
  it('writes a new host whole, then a beat that repeats its summary only as time and metrics, once seenWriteMs has passed', async () => {
    const { fleet, store, advance } = setup();
    await fleet.take('h1', { t: 'status', status: status('h1') });
    await fleet.take('h1', beat(1));
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: ['h1'], seen: [] });
    advance(15_000);
    await fleet.take('h1', beat(2));
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: [], seen: [] }, 'the stored time is only 15 s old');
    advance(15_000);
    await fleet.take('h1', beat(3));
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: [], seen: ['h1'] });
    const row = await store.loadHost('h1');
    assert.equal(row?.metrics?.cpuLoad, 3);
    assert.equal(row?.lastSeen, '2026-12-01T00:00:30.000Z');
    assert.deepEqual(row?.status, status('h1'), 'the narrow write leaves the rest of the row as it was');
  });

  it('writes the whole row when the summary or the status changes, not when the same status object comes again', async () => {
    const { fleet, store } = setup();
    const first = status('h2');
    await fleet.take('h2', { t: 'status', status: first });
    await fleet.take('h2', beat(1));
    await fleet.flush();
    store.taken();
    await fleet.take('h2', { t: 'status', status: first });
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: [], seen: [] });
    await fleet.take('h2', beat(1, { ...summary, healthy: 1 }));
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: ['h2'], seen: [] });
    await fleet.take('h2', { t: 'status', status: { ...first, state: 'syncing' } });
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: ['h2'], seen: [] });
    assert.equal((await store.loadHost('h2'))?.status?.state, 'syncing');
  });

  it('takes the summary a new status implies at once: the views show its revision, and the next beat repeating it writes nothing', async () => {
    const { fleet, store, advance } = setup();
    const resources = [{ kind: 'container' as const, name: 'web', health: 'healthy' as const, detail: 'running' }, { kind: 'container' as const, name: 'db', health: 'healthy' as const, detail: 'running' }];
    await fleet.take('h6', { t: 'status', status: { ...status('h6'), resources, labels: { site: 'berlin' } } });
    await fleet.take('h6', beat(1));
    await fleet.flush();
    store.taken();
    const next = 'b'.repeat(40);
    const synced = { ...status('h6'), revision: { applied: next, lastGood: next, head: next }, resources, labels: { site: 'berlin' } };
    await fleet.take('h6', { t: 'status', status: synced });
    const view = await fleet.get('h6');
    assert.equal(view?.revision.applied, next, 'not the last beat\'s revision');
    assert.equal(view?.healthy, 2);
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: ['h6'], seen: [] });
    advance(15_000);
    await fleet.take('h6', beat(2, { ...summary, applied: next, head: next }));
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: [], seen: [] }, 'the beat says what the status said');
    assert.deepEqual((await store.loadHost('h6'))?.summary, { ...summary, applied: next, head: next });
  });

  it('takes the status an events frame carries at once, then stores its events, and tells listeners in that order', async () => {
    const { fleet, store } = setup();
    const heard: string[] = [];
    fleet.onReport((host, report) => heard.push('status' in report ? `status ${report.status.revision.applied?.slice(0, 1) ?? ''}` : `events ${report.events.length}`));
    const next = 'b'.repeat(40);
    const synced = { ...status('h7'), revision: { applied: next, lastGood: next, head: next } };
    const ack = await fleet.take('h7', { t: 'events', events: [{ seq: 1, at: new Date(0).toISOString(), event: { type: 'sync.succeeded', commit: next, changes: 1, durationMs: 5 } }], status: synced });
    assert.equal(ack, 1);
    assert.deepEqual(heard, ['status b', 'events 1']);
    assert.equal((await fleet.get('h7'))?.revision.applied, next, 'the status is taken as a status frame\'s would be');
    assert.deepEqual((await store.events('h7', 10)).map((e) => e.type), ['sync.succeeded']);
    await fleet.flush();
    assert.equal((await store.loadHost('h7'))?.status?.revision.applied, next);
  });

  it('keeps the last summary through a lean beat that leaves it out', async () => {
    const { fleet, store } = setup();
    await fleet.take('h3', beat(1));
    await fleet.take('h3', beat(7, undefined));
    const view = await fleet.get('h3');
    assert.equal(view?.healthy, 2);
    assert.deepEqual(view?.labels, { site: 'berlin' });
    assert.equal(view?.cpuLoad, 7);
    await fleet.flush();
    assert.deepEqual((await store.loadHost('h3'))?.summary, summary);
  });

  it('writes every pending heartbeat time when asked for all (the hub stopping)', async () => {
    const { fleet, store, advance } = setup();
    for (const h of ['h4', 'h5']) await fleet.take(h, beat(1));
    await fleet.flush();
    store.taken();
    advance(1000);
    await fleet.take('h4', beat(2));
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: [], seen: [] });
    await fleet.flush({ all: true });
    assert.deepEqual(store.taken(), { full: [], seen: ['h4'] });
    assert.equal((await store.loadHost('h4'))?.lastSeen, '2026-12-01T00:00:01.000Z');
  });
});

describe('the hub checking its hosts', () => {
  it('reads the names of the token holders only when a token was added or removed', async () => {
    const { fleet, store, advance } = setup();
    await store.addToken('t1', 'tok-1', new Date('2026-12-01T00:00:00Z'));
    await fleet.check();
    await fleet.check();
    assert.equal(store.nameReads, 1);
    assert.deepEqual(fleet.list('all', '').views.map((v) => v.host), ['t1']);
    await store.addToken('t2', 'tok-2', new Date('2026-12-01T00:00:01Z'));
    advance(5000);
    await fleet.check();
    assert.equal(store.nameReads, 2);
    assert.deepEqual(fleet.list('all', '').views.map((v) => v.host), ['t1', 't2']);
    await store.revokeTokens('t1');
    await fleet.check();
    assert.equal(store.nameReads, 3);
  });

  it('lists a host that has a token but was never heard from without writing it (another hub may hold its link)', async () => {
    const { fleet, store } = setup();
    await store.addToken('quiet', 'tok-q', new Date('2026-12-01T00:00:00Z'));
    await store.addToken('asked', 'tok-a', new Date('2026-12-01T00:00:00Z'));
    await fleet.check();
    assert.equal((await fleet.get('asked'))?.host, 'asked');
    assert.deepEqual(fleet.list('all', '').views.map((v) => v.host), ['asked', 'quiet']);
    assert.equal(await fleet.flush(), 0);
    assert.deepEqual(store.taken(), { full: [], seen: [] });
    await fleet.take('quiet', { t: 'status', status: status('quiet') });
    await fleet.flush();
    assert.deepEqual(store.taken(), { full: ['quiet'], seen: [] }, 'once its agent speaks, the row is written');
  });
});
