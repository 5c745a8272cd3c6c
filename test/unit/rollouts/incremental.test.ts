import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { changedHosts, draft, indexOf } from '../../../hub/rollouts/ledger.js';
import { assignWaves, summarise, type HostReport, type Rollout, type RolloutSpec } from '../../../hub/rollouts/model.js';
import { overlapping } from '../../../hub/rollouts/overlap.js';
import { command, decide, published, recovered, type BranchTip, type Effect } from '../../../hub/rollouts/planner.js';

const MIN = 60_000;

function rollout(names: string[], patch: Partial<RolloutSpec> = {}, labels: (h: string) => Record<string, string> = () => ({})): Rollout {
  const spec: RolloutSpec = { fleetCommit: 'f'.repeat(40), fleetSubject: 'x', selector: '', waves: [1, '50%', '100%'], maxFailures: 1, waveTimeoutMs: 10 * MIN, pauseMs: 0, budget: null, ...patch };
  const base = names.map((host) => ({ host, branch: `hosts/${host}`, labels: labels(host), phase: 'pending' as const, commit: null, previous: `prev-${host}`, revertCommit: null, publishedAt: null, reason: '', evidence: null }));
  const { hosts, waveCount } = assignWaves(base, spec.waves);
  return { id: 1, spec, createdBy: 't', createdAt: '2026-12-01T00:00:00.000Z', status: 'running', wave: 0, waveCount, waveStartedAt: null, nextWaveAt: null, hosts, timeline: [], haltReason: null, version: 1, ...summarise(hosts, waveCount, spec) };
}

const publishes = (effects: Effect[]): string[] => effects.flatMap((e) => (e.kind === 'publish' ? e.hosts : []));

/** The counters a pass keeps must equal a recount from scratch. */
function assertCounters(r: Rollout): void {
  const fresh = summarise(r.hosts, r.waveCount, r.spec);
  assert.deepEqual(r.waveCounts, fresh.waveCounts);
  for (const [group, n] of Object.entries(r.busy)) assert.equal(n, fresh.busy[group] ?? 0, `busy slots of ${group}`);
}

describe('incremental rollout passes', () => {
  it('reads only the hosts whose reports changed: a host left out of the pass is not looked at', () => {
    const names = ['a', 'b', 'c'];
    let d = decide(rollout(names, { waves: ['100%'] }), new Map(), 0, () => ({ online: true, outcome: null }));
    let r = published(d.rollout, publishes(d.effects).map((host) => ({ host, status: 'published' as const, commit: `c-${host}`, previous: `prev-${host}`, detail: '' })), 0);
    const ok = (host: string): HostReport => ({ online: true, outcome: { commit: `c-${host}`, ok: true, result: 'succeeded', at: '', message: '', evidence: null } });
    d = decide(r, new Map([['a', ok('a')]]), 1, ok);
    assert.deepEqual(d.rollout.hosts.map((h) => h.phase), ['done', 'waiting', 'waiting'], 'b and c did not change, so they were not read');
    r = d.rollout;
    d = decide(r, new Map([['b', ok('b')], ['c', ok('c')]]), 2, ok);
    assert.equal(d.rollout.status, 'completed');
  });

  it('hands the store exactly the hosts a pass changed, sharing the others with the state before', () => {
    const r = rollout(['a', 'b', 'c', 'd']);
    const d = decide(r, new Map(), 0, () => ({ online: true, outcome: null }));
    assert.deepEqual(changedHosts(r, d.rollout).map((h) => h.host), ['a']);
    assert.equal(d.rollout.hosts[1], r.hosts[1]);
  });

  it('compares host by host a state that is not a draft of the one before', () => {
    const r = rollout(['a', 'b', 'c']);
    const d = decide(r, new Map(), 0, () => ({ online: true, outcome: null }));
    const copy: Rollout = { ...d.rollout, hosts: [...d.rollout.hosts] };
    assert.deepEqual(changedHosts(r, copy).map((h) => h.host), ['a']);
    assert.deepEqual(changedHosts(copy, d.rollout), []);
  });

  it('finds each host by name in a rollout, its drafts, and an array someone reordered', () => {
    const r = rollout(['c', 'a', 'b']);
    const d = draft(r);
    assert.deepEqual(['a', 'b', 'c', 'x'].map((h) => indexOf(d, h)), [0, 1, 2, -1]);
    d.hosts.reverse();
    assert.deepEqual(['a', 'b', 'c'].map((h) => indexOf(d, h)), [2, 1, 0], 'the index built before the reorder is not trusted');
  });

  it('builds every host entry with the same fields in the same order, created, updated or pushed', () => {
    const r = rollout(['a', 'b']);
    const d = decide(r, new Map(), 0, () => ({ online: true, outcome: null }));
    const p = published(d.rollout, [{ host: 'a', status: 'published', commit: 'c-a', previous: 'prev-a', detail: '' }], 0);
    const shapes = new Set([r.hosts[0], d.rollout.hosts[0], p.hosts[0], p.hosts[1]].map((h) => Object.keys(h ?? {}).join()));
    assert.deepEqual([...shapes], ['host,branch,labels,wave,phase,commit,previous,revertCommit,publishedAt,reason,evidence']);
  });

  it('keeps its counters equal to a recount through any sequence of reports, pushes, timeouts and commands', () => {
    const names = Array.from({ length: 12 }, (_, i) => `h${String(i).padStart(2, '0')}`);
    const site = (h: string): Record<string, string> => ({ site: `s${Number(h.slice(1)) % 3}` });
    const step = fc.oneof(
      fc.record({ kind: fc.constant('report' as const), host: fc.integer({ min: 0, max: 11 }), ok: fc.boolean() }),
      fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constantFrom('pause' as const, 'resume' as const, 'abort' as const, 'revert' as const) }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 40 }), fc.boolean(), (steps, budget) => {
      let r = rollout(names, { maxFailures: 1, budget: budget ? { label: 'site', maxUnavailable: 1 } : null }, site);
      let now = 0;
      const all = (): HostReport => ({ online: true, outcome: null });
      for (const s of steps) {
        let reports = new Map<string, HostReport>();
        if (s.kind === 'report') {
          const h = r.hosts[s.host];
          if (h) reports = new Map([[h.host, { online: true, outcome: { commit: (h.phase === 'reverting' ? h.revertCommit : h.commit) ?? 'x', ok: s.ok, result: s.ok ? 'succeeded' : 'failed', at: '', message: '', evidence: null } }]]);
        } else if (s.kind === 'tick') now += s.minutes * MIN;
        else {
          try {
            const c = command(r, s.kind === 'abort' || s.kind === 'revert' ? { kind: 'abort', revert: s.kind === 'revert' } : { kind: s.kind }, now, 'op');
            r = c.rollout;
            for (const e of c.effects) if (e.kind === 'revert') r = { ...r, hosts: r.hosts.map((h) => (e.hosts.includes(h.host) ? { ...h, revertCommit: `rv-${h.host}`, publishedAt: now } : h)) };
          } catch {
            // refused in this status: nothing changed
          }
        }
        const d = decide(r, reports, now, all);
        const before = r;
        assert.deepEqual(changedHosts(before, d.rollout), d.rollout.hosts.filter((h, i) => h !== before.hosts[i]), 'the hosts a draft tracked are those a full comparison finds');
        r = published(d.rollout, publishes(d.effects).map((host) => ({ host, status: 'published' as const, commit: `c-${host}`, previous: `prev-${host}`, detail: '' })), now);
        assertCounters(r);
      }
    }), { numRuns: 300 });
  });
});

describe('more than one rollout at a time', () => {
  const running = { ...rollout(['a', 'b', 'c']), id: 7 };
  it('lets a rollout start beside another when their host sets are disjoint', () => {
    assert.equal(overlapping([running], ['d', 'e']), null);
  });
  it('refuses one that shares hosts with an unfinished rollout, naming them and the rollout', () => {
    assert.match(overlapping([running], ['c', 'd', 'a']) ?? '', /^2 of these host\(s\) are in rollout 7, which is running: a, c;/);
  });
  it('does not count a finished rollout', () => {
    assert.equal(overlapping([{ ...running, status: 'completed' }], ['a']), null);
  });
});

describe('a hub restarted between pushing a wave and storing it', () => {
  const created = Date.parse('2026-12-01T00:00:00.000Z');
  const fleet = 'f'.repeat(40);
  function midPublish(): Rollout {
    let r = rollout(['a', 'b', 'c']);
    const d = decide(r, new Map(), created, () => ({ online: true, outcome: null }));
    r = d.rollout;
    assert.equal(r.hosts[0]?.phase, 'publishing');
    return r;
  }
  it('waits for a host whose branch tip carries this rollout commit, with the tip parent as what a revert puts back', () => {
    const tip: BranchTip = { commit: 'pushed-a', parent: 'older-a', fleetCommit: fleet, committedAt: created + 500 };
    const r = recovered({ ...midPublish(), hosts: midPublish().hosts.map((h) => ({ ...h, previous: null })) }, new Map([['a', tip]]), created + 2000);
    assert.deepEqual(r.hosts[0] && { phase: r.hosts[0].phase, commit: r.hosts[0].commit, previous: r.hosts[0].previous }, { phase: 'waiting', commit: 'pushed-a', previous: 'older-a' });
    const c = command(r, { kind: 'abort', revert: true }, created + 3000, 'op');
    assert.deepEqual(c.effects, [{ kind: 'revert', hosts: ['a'] }]);
    assertCounters(c.rollout);
  });
  it('publishes again a host whose tip is older than the rollout or names another fleet commit', () => {
    for (const tip of [
      { commit: 'x', parent: 'y', fleetCommit: fleet, committedAt: created - 60_000 },
      { commit: 'x', parent: 'y', fleetCommit: 'e'.repeat(40), committedAt: created + 500 },
    ]) {
      const r = recovered(midPublish(), new Map([['a', tip]]), created + 2000);
      assert.equal(r.hosts[0]?.phase, 'pending');
      assertCounters(r);
    }
  });
});
