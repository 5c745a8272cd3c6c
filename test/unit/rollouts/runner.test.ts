import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { PreparedCommit, RolloutRepo } from '../../../hub/rollouts/repo.js';
import type { BranchTip, PublishResult } from '../../../hub/rollouts/planner.js';
import { RolloutRunner } from '../../../hub/rollouts/runner.js';
import { openSqliteStorage } from '../../../hub/storage/open.js';
import type { RolloutStorage } from '../../../hub/storage/port.js';
import type { ReportListener } from '../../../hub/fleet.js';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';

const FLEET = 'f'.repeat(40);
type Method = keyof RolloutRepo;

/** A config repo that answers only the calls it was told to expect, in any order, and records the others. */
function scriptedRepo(): { repo: RolloutRepo; expect: <M extends Method>(m: M, answer: RolloutRepo[M]) => void; unexpected: string[]; calls: string[] } {
  const answers = new Map<Method, unknown[]>();
  const unexpected: string[] = [];
  const calls: string[] = [];
  const call = (m: Method, args: unknown[]): unknown => {
    calls.push(`${m}(${JSON.stringify(args.filter((a) => typeof a !== 'object' || Array.isArray(a)))})`);
    const queue = answers.get(m) ?? [];
    const next = queue.shift();
    if (typeof next !== 'function') {
      unexpected.push(`${m}(${JSON.stringify(args)})`);
      throw new Error(`unexpected call: ${m}`);
    }
    return (next as (...a: unknown[]) => unknown)(...args);
  };
  const repo: RolloutRepo = {
    prepare: (...a) => call('prepare', a) as Promise<PreparedCommit>,
    publish: (...a) => call('publish', a) as Promise<PublishResult[]>,
    revert: (...a) => call('revert', a) as ReturnType<RolloutRepo['revert']>,
    tips: (...a) => call('tips', a) as Promise<Map<string, BranchTip>>,
  };
  return { repo, unexpected, calls, expect: (m, answer) => void (answers.get(m) ?? answers.set(m, []).get(m))?.push(answer) };
}

function prepared(hosts: string[]): PreparedCommit {
  return {
    commit: { id: FLEET, subject: 'web 2', authorName: 't', authorEmail: 't@x', authorDate: '' },
    defaults: { waves: ['100%'], maxFailures: 0, waveTimeoutMs: 600_000, pauseMs: 0 },
    hosts: hosts.map((host) => ({ host, branch: `hosts/${host}`, labels: {} })),
  };
}

function runner(store: RolloutStorage, repo: RolloutRepo, now: () => Date): RolloutRunner {
  return new RolloutRunner(
    {
      store,
      fleet: { onReport: () => undefined, linkOf: () => ({ online: true, status: null }) },
      requestSync: () => undefined,
      repo,
      alerts: { send: () => undefined, drain: async () => undefined },
      logger: pino({ level: 'silent' }),
      now,
    },
    { tickMs: 20 },
  );
}

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the rollout runner', () => {
  it('after a kill between push and save, recognises the pushed commits by their trailer, so abort --revert reverts them too', async () => {
    const db = openSqliteStorage(':memory:');
    const now = (): Date => new Date();
    const started = Date.now();
    // The first hub: its push of the wave never returns (killed mid-publish); the store holds both hosts as publishing.
    const first = scriptedRepo();
    first.expect('prepare', async () => prepared(['a', 'b']));
    first.expect('publish', () => new Promise<PublishResult[]>(() => undefined));
    const store = db.rollouts;
    const r = await runner(store, first.repo, now).create({ commit: FLEET, selector: '', budget: null }, 'op');
    await until('the wave stored as publishing', async () => (await store.get(r.id))?.hosts.every((h) => h.phase === 'publishing') === true);
    assert.deepEqual(first.unexpected, []);

    // The restarted hub reads the tips: a's carries this rollout's commit, b's is older (its push did not happen).
    const second = scriptedRepo();
    second.expect('prepare', async () => prepared(['a', 'b']));
    second.expect('tips', async (_p: PreparedCommit, hosts: readonly string[]) => {
      assert.deepEqual([...hosts], ['a', 'b']);
      return new Map<string, BranchTip>([
        ['a', { commit: 'pushed-a', parent: 'older-a', fleetCommit: FLEET, committedAt: started + 1000 }],
        ['b', { commit: 'older-b', parent: null, fleetCommit: 'e'.repeat(40), committedAt: started - 3_600_000 }],
      ]);
    });
    second.expect('publish', async (_p: PreparedCommit, hosts: readonly string[]) => {
      assert.deepEqual([...hosts], ['b'], 'only the host whose push did not happen is published again');
      return [{ host: 'b', status: 'published' as const, commit: 'pushed-b', previous: 'older-b', detail: '' }];
    });
    const reverts: unknown[] = [];
    second.expect('revert', async (targets: readonly unknown[]) => {
      reverts.push(...targets);
      return [{ host: 'a', commit: 'rv-a', detail: '' }, { host: 'b', commit: 'rv-b', detail: '' }];
    });
    const hub = runner(db.rollouts, second.repo, now);
    await hub.start();
    await until('both hosts waiting', async () => (await hub.get(r.id))?.hosts.every((h) => h.phase === 'waiting') === true);
    const a = (await hub.get(r.id))?.hosts.find((h) => h.host === 'a');
    assert.deepEqual(a && [a.commit, a.previous], ['pushed-a', 'older-a']);
    await hub.command(r.id, { kind: 'abort', revert: true }, 'op');
    assert.deepEqual(reverts, [{ host: 'a', branch: 'hosts/a', previous: 'older-a' }, { host: 'b', branch: 'hosts/b', previous: 'older-b' }]);
    await hub.stop();
    assert.deepEqual(second.unexpected, []);
    assert.equal((await store.get(r.id))?.status, 'reverting');
    assert.deepEqual((await store.get(r.id))?.hosts.map((h) => h.revertCommit), ['rv-a', 'rv-b'], 'the store has every host row the runner changed');
  });

  it('runs rollouts side by side when their hosts are disjoint and refuses one that overlaps, naming the hosts', async () => {
    const db = openSqliteStorage(':memory:');
    const now = (): Date => new Date();
    const { repo, expect, unexpected } = scriptedRepo();
    const bySelector: Record<string, string[]> = { 'role=cam': ['cam-1', 'cam-2'], 'role=gw': ['gw-1'], '': ['cam-2', 'gw-1', 'nvr-1'] };
    for (let i = 0; i < 3; i++) expect('prepare', async (_c: string | null, selector: string) => prepared(bySelector[selector] ?? []));
    for (let i = 0; i < 2; i++) expect('publish', async (_p: PreparedCommit, hosts: readonly string[]) => hosts.map((host) => ({ host, status: 'published' as const, commit: `c-${host}`, previous: `p-${host}`, detail: '' })));
    const hub = runner(db.rollouts, repo, now);
    await hub.start();
    const cams = await hub.create({ commit: FLEET, selector: 'role=cam', budget: null }, 'op');
    const gws = await hub.create({ commit: FLEET, selector: 'role=gw', budget: null }, 'op');
    await until('both publishing their first wave', () => hub.active().every((r) => r.hosts.every((h) => h.phase === 'waiting')));
    assert.deepEqual(hub.active().map((r) => r.id), [cams.id, gws.id]);
    await assert.rejects(hub.create({ commit: FLEET, selector: '', budget: null }, 'op'), (err: Error & { status?: number }) => {
      assert.equal(err.status, 409);
      assert.match(err.message, new RegExp(`^1 of these host\\(s\\) are in rollout ${cams.id}, which is running: cam-2;`));
      return true;
    });
    await hub.stop();
    assert.deepEqual(unexpected, []);
  });

  it('publishes the next wave as soon as the report that closes a wave arrives, without waiting for its timer', async () => {
    const db = openSqliteStorage(':memory:');
    const { repo, expect, unexpected } = scriptedRepo();
    const commitOf = (host: string): string => (host === 'a' ? 'a' : 'b').repeat(40);
    expect('prepare', async () => prepared(['a', 'b']));
    const published: string[][] = [];
    const publish: RolloutRepo['publish'] = async (_p, hosts) => {
      published.push([...hosts]);
      return hosts.map((host) => ({ host, status: 'published' as const, commit: commitOf(host), previous: null, detail: '' }));
    };
    expect('publish', publish);
    expect('publish', publish);
    const statuses = new Map<string, StatusSnapshot>();
    let listener: ReportListener = () => undefined;
    const hub = new RolloutRunner(
      {
        store: db.rollouts,
        fleet: { onReport: (l) => void (listener = l), linkOf: (host) => ({ online: true, status: statuses.get(host) ?? null }) },
        requestSync: () => undefined,
        repo,
        alerts: { send: () => undefined, drain: async () => undefined },
        logger: pino({ level: 'silent' }),
        now: () => new Date(),
      },
      // The runner's own timer would only come after the test's deadline: reports must drive it.
      { tickMs: 3_600_000 },
    );
    await hub.start();
    await hub.create({ commit: FLEET, selector: '', budget: null, waves: [1, '100%'] }, 'op');
    await until('the canary published', () => published.length === 1);
    assert.deepEqual(published[0], ['a']);
    const status = appliedStatus('a', commitOf('a'));
    statuses.set('a', status);
    listener('a', { status });
    await until('the second wave published', () => published.length === 2);
    assert.deepEqual(published[1], ['b']);
    await hub.stop();
    await db.close();
    assert.deepEqual(unexpected, []);
  });
});

/** What an agent reports once it runs `commit`, healthy. */
function appliedStatus(host: string, commit: string): StatusSnapshot {
  return {
    host, version: '1.0.0', branch: `hosts/${host}`, revision: { applied: commit, lastGood: commit, head: commit }, state: 'idle',
    lastSync: { at: new Date().toISOString(), commit, result: 'converged', error: null }, source: null, suspended: null, pending: null,
    resources: [], drift: [], hub: null,
  };
}
