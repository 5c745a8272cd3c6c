// The validator compiled from the frames' zod schemas (hub/frame-check.ts) accepts what zod accepts
// and nothing zod refuses, and hands back what zod's parse would: every valid frame of each kind,
// and thousands of variants of them (a key left out or added, each value replaced by another type,
// strings at and past their bounds, astral characters, huge and fractional numbers) get the same
// verdict from both.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkedFast, parsedByZod } from '../../../hub/frames.js';

const at = '2026-01-01T00:00:00.000Z';
const sha = 'a1'.repeat(20);
const error = { name: 'GitError', code: 'SOURCE_UNREACHABLE', message: 'no route', handling: 'retry', data: { url: 'https://git' }, cause: 'ECONNREFUSED' };
const change = { kind: 'container', name: 'web', action: 'replace', why: 'env changed', fields: [{ field: 'env.A', from: '1', to: null }], drift: false };

const events: Record<string, unknown>[] = [
  { type: 'sync.started', commit: sha, trigger: 'hub' },
  { type: 'sync.succeeded', commit: sha, changes: 3, durationMs: 812.5, diff: [change] },
  { type: 'sync.failed', commit: sha, error },
  { type: 'sync.rolledBack', commit: sha, to: sha, error },
  { type: 'sync.rollbackFailed', commit: sha, to: sha, error, rollbackError: { ...error, data: undefined, cause: undefined } },
  { type: 'commit.invalid', commit: sha, error },
  { type: 'commit.refused', commit: sha, reason: 'unsigned' },
  { type: 'commit.pending', commit: sha, until: at },
  { type: 'drift.detected', changes: [change], healed: true },
  { type: 'source.unreachable', error },
  { type: 'source.recovered', head: sha },
  { type: 'agent.suspended', until: at, reason: 'break-glass', by: 'ops' },
  { type: 'agent.resumed', reason: 'done' },
  { type: 'agent.started', version: '1.2.3' },
  { type: 'agent.bug', commit: null, error },
  { type: 'engine.unresponsive', error },
  { type: 'engine.recovered' },
  { type: 'events.dropped', count: 12 },
];

const status = {
  host: 'edge-01', version: '1.2.3', branch: 'hosts/edge-01',
  revision: { applied: sha, lastGood: sha, head: null },
  commit: { id: sha, author: 'Ada', email: 'ada@example.com', date: at, message: 'Bump telegraf' },
  state: 'idle',
  lastSync: { at, commit: sha, result: 'converged', error: null },
  source: { ok: false, at, error },
  suspended: { until: at, reason: 'maintenance', since: at, by: 'ops' },
  pending: { commit: sha, until: null },
  resources: [{ kind: 'container', name: 'web', health: 'healthy', detail: 'running' }],
  drift: [{ resource: 'web', detail: 'env changed' }],
  hub: { url: 'wss://hub/agent', connected: true, outbox: 0 },
  labels: { site: 'berlin', role: 'camera' },
  bugs: { count: 1, last: { at, message: 'oops' } },
  engine: { ok: true, since: null, error: null },
};
const { resources: _resources, ...leanStatus } = status;
const inventory = { os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64', kernel: '6.1' }, cpu: { manufacturer: 'Intel', brand: 'N100', cores: 4 },
  memTotal: 8e9, agentVersion: '1.2.3', nodeVersion: '20.20.2', ageRecipient: 'age1xyz' };
const measured = { cpuLoad: 12.5, load1: 0.3, memUsed: 1e9, memTotal: 4e9, disks: [{ path: '/', used: 1e10, size: 3e10 }], uptimeSec: 3600, temperature: 41.5 };
/** Figures the agent could not sample: NaN there, null on the wire. */
const unmeasured = { cpuLoad: null, load1: null, memUsed: null, memTotal: null, disks: [{ path: '/', used: null, size: null }], uptimeSec: null, temperature: null };
const summary = { applied: sha, head: null, state: 'idle', healthy: 20, unhealthy: 0, suspended: false, outbox: 0, labels: { site: 'berlin' } };
const entries = events.map((event, i) => ({ seq: i + 1, at, event: JSON.parse(JSON.stringify(event)) as unknown }));

const valid: Record<string, unknown>[] = [
  { t: 'hello', host: 'edge-01', version: '1.2.3', branch: 'hosts/edge-01', inventory },
  { t: 'hello', host: 'edge-01', version: '1.2.3', branch: 'hosts/edge-01', inventory: null },
  { t: 'status', status },
  { t: 'status', status: leanStatus, resources: 'unchanged' },
  { t: 'events', events: entries },
  { t: 'events', events: entries.slice(0, 2), status },
  { t: 'events', events: entries.slice(0, 2), status: leanStatus, resources: 'unchanged' },
  { t: 'refused', command: 'sync', reason: 'suspended' },
  { t: 'heartbeat', at, metrics: measured, summary, inventory },
  { t: 'heartbeat', at, metrics: unmeasured, summary: { ...summary, labels: undefined } },
  { t: 'heartbeat', at, metrics: null },
];

const STRANGERS: unknown[] = [null, true, 0, -1, 1.5, 1e300, 2 ** 53, '', 'x', 'idle', sha, [], {}, 'a'.repeat(257), '😀'.repeat(129)];
/** Strings at and past the bounds the schemas use (256, 1024, 4096 characters, 40 for times), and astral ones: one code point, two UTF-16 units. */
const BOUNDS = [40, 41, 64, 65, 128, 129, 200, 201, 253, 254, 256, 257, 1024, 1025, 4096, 4097].flatMap((n) => ['a'.repeat(n), '😀'.repeat(n), '😀'.repeat(Math.floor(n / 2)) + 'a'.repeat(n % 2)]);

/** Every variant of `value`: at each place, the key left out, an unknown key added, the value replaced. */
function* variants(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    yield [];
    yield [...value, ...value];
    for (let i = 0; i < value.length; i++) for (const v of variants(value[i])) yield value.map((x, k) => (k === i ? v : x));
    return;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    yield { ...record, extra: 1 };
    // An own "__proto__" key, as JSON.parse makes one (an object literal would set the prototype).
    if (Object.keys(record).length > 0) yield JSON.parse(JSON.stringify(record).replace(/^\{/, '{"__proto__":1,')) as unknown;
    for (const key of Object.keys(record)) {
      const { [key]: _left, ...rest } = record;
      yield rest;
      for (const v of variants(record[key])) yield { ...record, [key]: v };
    }
    return;
  }
  yield* STRANGERS;
  if (typeof value === 'string') yield* BOUNDS;
}

/** Every variant of every valid frame, as JSON.parse hands it over. */
function* allVariants(): Generator<unknown> {
  for (const frame of valid) for (const variant of variants(frame)) yield JSON.parse(JSON.stringify(variant)) as unknown;
}

function zodAccepts(value: unknown): boolean {
  try {
    parsedByZod(value);
    return true;
  } catch {
    return false;
  }
}

describe('the compiled frame check', () => {
  it('accepts every valid frame and hands back what zod would: the frame as it came, a heartbeat with its nulls made NaN', () => {
    for (const frame of valid) {
      const copy = JSON.parse(JSON.stringify(frame)) as Record<string, unknown>;
      const fast = checkedFast(copy);
      assert.ok(fast !== null, JSON.stringify(frame).slice(0, 80));
      assert.deepEqual(fast, parsedByZod(copy));
      if (copy['t'] !== 'heartbeat') assert.equal(fast, copy, 'the very object: nothing copied');
    }
  });

  it('never accepts a variant zod refuses, and hands back what zod would', () => {
    let checked = 0;
    let refused = 0;
    for (const value of allVariants()) {
      const zod = zodAccepts(value);
      const fast = checkedFast(value);
      if (fast !== null) {
        assert.ok(zod, `zod refuses ${JSON.stringify(value).slice(0, 3000)}`);
        assert.deepEqual(parsedByZod(value), fast);
      }
      checked++;
      if (!zod) refused++;
    }
    assert.ok(checked > 5000 && refused > checked / 2, `${checked} variants, ${refused} refused`);
  });

  it('accepts every variant zod accepts, but a record with a "__proto__" key (zod drops the key: it has the last word then)', () => {
    for (const value of allVariants()) {
      if (/"(labels|data)":\{"__proto__"/.test(JSON.stringify(value))) continue;
      assert.equal(checkedFast(value) !== null, zodAccepts(value), `zod accepts ${JSON.stringify(value).slice(0, 3000)}`);
    }
  });

  it('counts labels as zod does: 64 at most', () => {
    const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    for (const n of [64, 65]) {
      const frame = { t: 'status', status: { ...status, labels: labels(n) } };
      assert.equal(checkedFast(frame) !== null, zodAccepts(frame), `${n} labels`);
    }
    assert.equal(checkedFast({ t: 'status', status: { ...status, labels: labels(65) } }), null);
  });

  it('makes each unmeasured figure of a heartbeat NaN, as zod does, and keeps "no sensor" null', () => {
    const fast = checkedFast({ t: 'heartbeat', at, metrics: unmeasured });
    assert.ok(fast?.t === 'heartbeat' && fast.metrics !== null);
    const m = fast.metrics;
    for (const figure of [m.cpuLoad, m.load1, m.memUsed, m.memTotal, m.uptimeSec, m.disks[0]?.used, m.disks[0]?.size]) assert.ok(Number.isNaN(figure));
    assert.equal(m.temperature, null);
  });

  it('leaves a frame of no known kind to zod', () => {
    assert.equal(checkedFast({ t: 'exec', command: 'rm' }), null);
    assert.throws(() => parsedByZod({ t: 'exec', command: 'rm' }), /bad frame/);
  });
});
