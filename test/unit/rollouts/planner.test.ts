import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedFailures, assignWaves, summarise, waveSizes, type HostReport, type Rollout, type RolloutSpec } from '../../../hub/rollouts/model.js';
import { command, decide, published, type Effect } from '../../../hub/rollouts/planner.js';

const MIN = 60_000;

function spec(patch: Partial<RolloutSpec> = {}): RolloutSpec {
  return { fleetCommit: 'f'.repeat(40), fleetSubject: 'x', selector: '', waves: [1, '50%', '100%'], maxFailures: 0, waveTimeoutMs: 10 * MIN, pauseMs: 0, budget: null, ...patch };
}

function rollout(names: string[], patch: Partial<RolloutSpec> = {}, labels: (h: string) => Record<string, string> = () => ({})): Rollout {
  const s = spec(patch);
  const base = names.map((host) => ({ host, branch: `hosts/${host}`, labels: labels(host), phase: 'pending' as const, commit: null, previous: `prev-${host}`, revertCommit: null, publishedAt: null, reason: '', evidence: null }));
  const { hosts, waveCount } = assignWaves(base, s.waves);
  return { id: 1, spec: s, createdBy: 't', createdAt: '', status: 'running', wave: 0, waveCount, waveStartedAt: null, nextWaveAt: null, hosts, timeline: [], haltReason: null, version: 1, ...summarise(hosts, waveCount, s) };
}

const online = (names: string[], offline: string[] = []): Map<string, HostReport> =>
  new Map(names.map((h) => [h, { online: !offline.includes(h), outcome: null }]));

function publishes(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.kind === 'publish' ? e.hosts : []));
}

/** Publishes whatever the planner asked for, each host getting commit `c-HOST`. */
function push(r: Rollout, hosts: string[], now: number): Rollout {
  return published(r, hosts.map((host) => ({ host, status: 'published' as const, commit: `c-${host}`, previous: `prev-${host}`, detail: '' })), now);
}

function report(reports: Map<string, HostReport>, host: string, ok: boolean, commit = `c-${host}`, result = ok ? 'succeeded' : 'rolled-back'): void {
  reports.set(host, { online: true, outcome: { commit, ok, result, at: '', message: ok ? '' : 'health check failed', evidence: { type: 'sync.rolledBack' } } });
}

const HOSTS = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('wave sizes', () => {
  it('reads the waves as cumulative counts or percentages, rounding percentages up', () => {
    assert.deepEqual(waveSizes(400, [1, '10%', '50%', '100%']), [1, 39, 160, 200]);
    assert.deepEqual(waveSizes(6, [1, 3]), [1, 2, 3]);
  });
  it('drops waves that add nobody and adds a last wave for the rest', () => {
    assert.deepEqual(waveSizes(3, [1, '10%', '50%']), [1, 1, 1]);
    assert.deepEqual(waveSizes(2, [5, 10]), [2]);
  });
  it('allows failures per wave by count, or by percentage rounded down', () => {
    assert.equal(allowedFailures(spec({ maxFailures: '5%' }), 1), 0);
    assert.equal(allowedFailures(spec({ maxFailures: '5%' }), 40), 2);
    assert.equal(allowedFailures(spec({ maxFailures: 3 }), 1), 3);
  });
});

describe('the wave planner', () => {
  it('publishes the canary alone, then the next wave only once every host of the canary reported its commit applied', () => {
    let r = rollout(HOSTS);
    const reports = online(HOSTS);
    let d = decide(r, reports, 0);
    assert.deepEqual(publishes(d.effects), ['a']);
    r = push(d.rollout, ['a'], 0);
    d = decide(r, reports, 1000);
    assert.deepEqual(publishes(d.effects), [], 'nothing more while the canary has not reported');
    report(reports, 'a', true, 'an-older-commit');
    d = decide(d.rollout, reports, 2000);
    assert.deepEqual(publishes(d.effects), [], 'a report about another commit is stale health');
    report(reports, 'a', true);
    d = decide(d.rollout, reports, 3000);
    assert.deepEqual(publishes(d.effects), ['b', 'c']);
    assert.equal(d.rollout.hosts.find((h) => h.host === 'a')?.phase, 'done');
  });

  it('completes after the last wave and says so', () => {
    let r = rollout(HOSTS);
    const reports = online(HOSTS);
    for (let i = 0; i < 3; i++) {
      const d = decide(r, reports, i * 10);
      r = push(d.rollout, publishes(d.effects), i * 10);
      for (const h of publishes(d.effects)) report(reports, h, true);
    }
    const d = decide(r, reports, 100);
    assert.equal(d.rollout.status, 'completed');
    assert.ok(d.effects.some((e) => e.kind === 'alert' && e.event === 'completed'));
  });

  it('halts when the canary fails its health gate, leaving every other host untouched, and alerts', () => {
    const reports = online(HOSTS);
    let d = decide(rollout(HOSTS), reports, 0);
    const r = push(d.rollout, ['a'], 0);
    report(reports, 'a', false);
    d = decide(r, reports, 1000);
    assert.equal(d.rollout.status, 'halted');
    assert.deepEqual(publishes(d.effects), []);
    assert.ok(d.effects.some((e) => e.kind === 'alert' && e.event === 'halted'));
    const a = d.rollout.hosts.find((h) => h.host === 'a');
    assert.equal(a?.phase, 'failed');
    assert.match(a?.reason ?? '', /rolled-back: health check failed/);
    assert.deepEqual(a?.evidence, { type: 'sync.rolledBack' });
    assert.ok(d.rollout.hosts.filter((h) => h.host !== 'a').every((h) => h.phase === 'pending'));
  });

  it('tolerates failures up to maxFailures in a wave', () => {
    const reports = online(HOSTS);
    let d = decide(rollout(HOSTS, { waves: ['100%'], maxFailures: 1 }), reports, 0);
    const r = push(d.rollout, publishes(d.effects), 0);
    for (const h of HOSTS) report(reports, h, h !== 'c');
    d = decide(r, reports, 1000);
    assert.equal(d.rollout.status, 'completed');
    report(reports, 'd', false);
    d = decide(r, reports, 1000);
    assert.equal(d.rollout.status, 'halted');
  });

  it('fails a host that does not report within the wave timeout, by the injected clock', () => {
    const reports = online(HOSTS);
    let d = decide(rollout(HOSTS), reports, 0);
    const r = push(d.rollout, ['a'], 0);
    d = decide(r, reports, 10 * MIN - 1);
    assert.equal(d.rollout.status, 'running');
    d = decide(r, reports, 10 * MIN);
    assert.equal(d.rollout.status, 'halted');
    assert.match(d.rollout.hosts[0]?.reason ?? '', /^timeout: no report of c-a applied within 600s/);
  });

  it('skips hosts offline at the start of their wave and does not count them as done', () => {
    const reports = online(HOSTS, ['b']);
    let d = decide(rollout(HOSTS), reports, 0);
    let r = push(d.rollout, ['a'], 0);
    report(reports, 'a', true);
    d = decide(r, reports, 1);
    assert.deepEqual(publishes(d.effects), ['c']);
    assert.equal(d.rollout.hosts.find((h) => h.host === 'b')?.phase, 'skipped');
    assert.equal(d.rollout.hosts.find((h) => h.host === 'b')?.reason, 'offline at the start of its wave');
    r = push(d.rollout, ['c'], 1);
    report(reports, 'c', true);
    reports.set('b', { online: true, outcome: null });
    d = decide(r, reports, 2);
    assert.deepEqual(publishes(d.effects), ['d', 'e', 'f'], 'b stays skipped once its wave started');
  });

  it('waits the pause between waves', () => {
    const reports = online(HOSTS);
    let d = decide(rollout(HOSTS, { pauseMs: 2 * MIN }), reports, 0);
    const r = push(d.rollout, ['a'], 0);
    report(reports, 'a', true);
    d = decide(r, reports, 1000);
    assert.deepEqual(publishes(d.effects), []);
    d = decide(d.rollout, reports, 1000 + 2 * MIN);
    assert.deepEqual(publishes(d.effects), ['b', 'c']);
  });

  it('keeps at most maxUnavailable hosts per label value updating at once', () => {
    const site = (h: string): Record<string, string> => ({ site: 'abc'.includes(h) ? 'berlin' : 'paris' });
    const reports = online(HOSTS);
    let d = decide(rollout(HOSTS, { waves: ['100%'], budget: { label: 'site', maxUnavailable: 1 } }, site), reports, 0);
    assert.deepEqual(publishes(d.effects), ['a', 'd'], 'one per site');
    let r = push(d.rollout, ['a', 'd'], 0);
    report(reports, 'a', true);
    d = decide(r, reports, 1);
    assert.deepEqual(publishes(d.effects), ['b'], 'berlin freed a slot, paris did not');
    r = push(d.rollout, ['b'], 1);
    report(reports, 'd', false);
    d = decide(r, reports, 2);
    assert.equal(d.rollout.status, 'halted', 'a failed host keeps its site unavailable');
  });

  it('halts on a failure held by the budget even when maxFailures would allow it', () => {
    const reports = online(['a', 'b']);
    let d = decide(rollout(['a', 'b'], { waves: ['100%'], maxFailures: 1, budget: { label: 'site', maxUnavailable: 1 } }, () => ({ site: 'x' })), reports, 0);
    const r = push(d.rollout, ['a'], 0);
    report(reports, 'a', false);
    d = decide(r, reports, 1);
    assert.equal(d.rollout.status, 'halted');
    assert.match(d.rollout.haltReason ?? '', /disruption budget/);
  });

  it('counts a hand-edited host branch as skipped', () => {
    const reports = online(HOSTS);
    let d = decide(rollout(['a', 'b'], { waves: ['100%'] }), reports, 0);
    let r = published(d.rollout, [
      { host: 'a', status: 'hand-edited', commit: 'x', previous: 'x', detail: 'changed by hand' },
      { host: 'b', status: 'published', commit: 'c-b', previous: 'p', detail: '' },
    ], 0);
    report(reports, 'b', true);
    d = decide(r, reports, 1);
    r = d.rollout;
    assert.equal(r.status, 'completed');
    assert.equal(r.hosts.find((h) => h.host === 'a')?.phase, 'skipped');
    assert.match(r.hosts.find((h) => h.host === 'a')?.reason ?? '', /hand-edited/);
  });
});

describe('pause, resume and abort', () => {
  it('publishes nothing while paused, and resumes where it was', () => {
    const reports = online(HOSTS);
    let d = decide(rollout(HOSTS), reports, 0);
    let r = push(d.rollout, ['a'], 0);
    r = command(r, { kind: 'pause' }, 1, 'op').rollout;
    report(reports, 'a', true);
    d = decide(r, reports, 2);
    assert.deepEqual(publishes(d.effects), []);
    assert.equal(d.rollout.hosts[0]?.phase, 'done', 'reports are still read while paused');
    r = command(d.rollout, { kind: 'resume' }, 3, 'op').rollout;
    d = decide(r, reports, 4);
    assert.deepEqual(publishes(d.effects), ['b', 'c']);
  });

  it('refuses to resume a halted rollout', () => {
    const r = { ...rollout(HOSTS), status: 'halted' as const };
    assert.throws(() => command(r, { kind: 'resume' }, 0, 'op'), { code: 'ROLLOUT_COMMAND' });
  });

  it('abort --revert reverts exactly the hosts it changed and finishes once each reports the revert commit', () => {
    const reports = online(HOSTS);
    let d = decide(rollout(HOSTS), reports, 0);
    let r = push(d.rollout, ['a'], 0);
    report(reports, 'a', true);
    d = decide(r, reports, 1);
    r = push(d.rollout, ['b', 'c'], 1);
    const c = command(r, { kind: 'abort', revert: true }, 2, 'op');
    assert.deepEqual(c.effects, [{ kind: 'revert', hosts: ['a', 'b', 'c'] }]);
    assert.ok(c.rollout.hosts.filter((h) => 'def'.includes(h.host)).every((h) => h.phase === 'skipped'));
    r = c.rollout;
    for (const h of r.hosts) if (h.phase === 'reverting') Object.assign(h, { revertCommit: `rv-${h.host}`, publishedAt: 2 });
    for (const h of ['a', 'b']) report(reports, h, true, `rv-${h}`);
    d = decide(r, reports, 3);
    assert.equal(d.rollout.status, 'reverting');
    report(reports, 'c', true, 'rv-c');
    d = decide(d.rollout, reports, 4);
    assert.equal(d.rollout.status, 'reverted');
    assert.ok(d.effects.some((e) => e.kind === 'alert' && e.event === 'reverted'));
  });

  it('does not change the rollout it was given', () => {
    const r = rollout(HOSTS);
    const copy = structuredClone(r);
    decide(r, online(HOSTS), 0);
    command(r, { kind: 'abort', revert: false }, 0, 'op');
    assert.deepEqual(r, copy);
  });
});
