// Agent frames are checked before anything of them is kept: depth on the raw text, then strict
// shapes, the event catalogue and sizes; a status resent unchanged is the message already checked.
// And OpenID roles come from one claim, highest wins.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadFrameError, checkDepth, FrameReader, MAX_FRAME_DEPTH, parseAgentFrame } from '../../../hub/frames.js';
import { roleOf } from '../../../hub/oidc.js';

const at = '2026-01-01T00:00:00.000Z';
const sha = 'c'.repeat(40);
const status = { host: 'h', version: '1', branch: 'hosts/h', revision: { applied: sha, lastGood: sha, head: sha }, state: 'idle',
  lastSync: null, source: null, suspended: null, pending: null, resources: [], drift: [], hub: null };

describe('agent frames', () => {
  it('refuses a 1,000,000-deep array without parsing it', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    assert.throws(() => parseAgentFrame(`{"t":"status","status":${deep}}`), BadFrameError);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    checkDepth(JSON.stringify({ a: '[[[[[[[[[[[[[[[[[[[[[[[[\\"[[[[[[[[[[[[[' }), MAX_FRAME_DEPTH);
    assert.throws(() => checkDepth('[[[[' , 3), /deeper than 3/);
  });

  it('accepts a heartbeat and refuses one with markup where a number belongs', () => {
    const beat = { t: 'heartbeat', at, metrics: null, summary: { applied: null, head: null, state: 'idle', healthy: 1, unhealthy: 0, suspended: false, outbox: 0 } };
    assert.equal(parseAgentFrame(JSON.stringify(beat)).t, 'heartbeat');
    assert.throws(() => parseAgentFrame(JSON.stringify({ ...beat, summary: { ...beat.summary, healthy: '<img>' } })), /summary\.healthy/);
  });

  it('takes a sampled figure the agent could not measure (NaN, sent as null) as unknown, not as a bad frame', () => {
    const beat = { t: 'heartbeat', at, summary: { applied: null, head: null, state: 'idle', healthy: 1, unhealthy: 0, suspended: false, outbox: 0 },
      metrics: { cpuLoad: null, load1: 0.5, memUsed: 1, memTotal: 2, disks: [], uptimeSec: 3, temperature: null } };
    const m = parseAgentFrame(JSON.stringify(beat));
    assert.ok(m.t === 'heartbeat' && m.metrics !== null && Number.isNaN(m.metrics.cpuLoad));
  });

  it('refuses unknown keys, unknown frames and events outside the catalogue', () => {
    assert.throws(() => parseAgentFrame(JSON.stringify({ t: 'refused', command: 'x', reason: 'y', extra: 1 })), BadFrameError);
    assert.throws(() => parseAgentFrame(JSON.stringify({ t: 'exec', command: 'rm' })), BadFrameError);
    const events = (type: string) => JSON.stringify({ t: 'events', events: [{ seq: 1, at, event: { type, version: '1' } }] });
    assert.equal(parseAgentFrame(events('agent.started')).t, 'events');
    assert.throws(() => parseAgentFrame(events('agent.pwned')), BadFrameError);
  });

  it('refuses an events frame with an event over 256 KB serialised, and takes one just under', () => {
    const drift = (fieldCount: number): string => JSON.stringify({ t: 'events', events: [{ seq: 7, at, event: { type: 'drift.detected', healed: false,
      changes: [{ kind: 'container', name: 'web', action: 'update', why: 'drift', drift: true, fields: Array.from({ length: fieldCount }, (_, i) => ({ field: `env.K${i}`, from: null, to: 'x'.repeat(3990) })) }] } }] });
    assert.throws(() => parseAgentFrame(drift(70)), /event 7 is larger than 262144 bytes/);
    assert.equal(parseAgentFrame(drift(60)).t, 'events');
  });

  it('measures no event of a frame under a sixth of that: JSON parsed and written again grows at most 5.25 times (1e20 written out)', () => {
    const dense = `[${new Array<string>(10_000).fill('1e20').join(',')}]`;
    const again = JSON.stringify(JSON.parse(dense));
    assert.ok(again.length > 4 * dense.length && again.length <= 5.25 * dense.length, `${again.length} from ${dense.length}`);
  });

  it('accepts a lean heartbeat without its summary, never without its metrics', () => {
    assert.equal(parseAgentFrame(JSON.stringify({ t: 'heartbeat', at, metrics: null })).t, 'heartbeat');
    assert.throws(() => parseAgentFrame(JSON.stringify({ t: 'heartbeat', at })), /metrics/);
  });

  it('hands back the very message it checked for a status resent unchanged, and checks a changed or another host\'s anew', () => {
    const reader = new FrameReader();
    const text = JSON.stringify({ t: 'status', status });
    const first = reader.read('h', text);
    assert.equal(reader.read('h', text), first);
    assert.notEqual(reader.read('other', text), first);
    const changed = reader.read('h', JSON.stringify({ t: 'status', status: { ...status, state: 'syncing' } }));
    assert.notEqual(changed, first);
    assert.throws(() => reader.read('h', JSON.stringify({ t: 'status', status: { ...status, state: '<img>' } })), BadFrameError);
    assert.equal(reader.read('h', JSON.stringify({ t: 'status', status: { ...status, state: 'syncing' } })), changed, 'a bad frame leaves the last good one');
  });

  it('forgets a host\'s status frame once a newer status came on an events frame, and keeps it through events alone', () => {
    const reader = new FrameReader();
    const text = JSON.stringify({ t: 'status', status });
    const first = reader.read('h', text);
    const entry = { seq: 1, at, event: { type: 'agent.started', version: '1' } };
    reader.read('h', JSON.stringify({ t: 'events', events: [entry] }));
    assert.equal(reader.read('h', text), first, 'events without a status leave it');
    reader.read('h', JSON.stringify({ t: 'events', events: [{ ...entry, seq: 2 }], status: { ...status, state: 'syncing' } }));
    assert.notEqual(reader.read('h', text), first, 'forgotten: read anew');
  });
});

describe('OpenID roles', () => {
  it('takes the highest role a claim names, directly or through the map', () => {
    assert.equal(roleOf(['staff', 'ops', 'viewer'], { ops: 'operator' }), 'operator');
    assert.equal(roleOf('admin', {}), 'admin');
    assert.equal(roleOf(['staff'], { ops: 'operator' }), null);
    assert.equal(roleOf(undefined, {}), null);
  });
});
