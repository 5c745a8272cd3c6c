// A hub taking the rollouts over (leader lease) asks the current wave's waiting hosts to sync
// again: the hub that published the wave may have died before its request reached them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import type { ReportListener } from '../../../hub/fleet.js';
import type { PreparedCommit, RolloutRepo } from '../../../hub/rollouts/repo.js';
import { RolloutRunner } from '../../../hub/rollouts/runner.js';
import { openSqliteStorage } from '../../../hub/storage/open.js';
import type { RolloutStorage } from '../../../hub/storage/port.js';

const FLEET = 'f'.repeat(40);
const OLD = 'a'.repeat(40);

function prepared(hosts: string[]): PreparedCommit {
  return {
    commit: { id: FLEET, subject: 'web 2', authorName: 't', authorEmail: 't@x', authorDate: '' },
    defaults: { waves: [1, '100%'], maxFailures: 0, waveTimeoutMs: 600_000, pauseMs: 0 },
    hosts: hosts.map((host) => ({ host, branch: `hosts/${host}`, labels: {} })),
  };
}

/** A repo that prepares and publishes (each host gets `pushed-HOST`) and throws on anything else. */
function repo(hosts: string[]): RolloutRepo {
  const no = (m: string) => () => Promise.reject(new Error(`unexpected call: ${m}`));
  return {
    prepare: async () => prepared(hosts),
    publish: async (_p, which) => which.map((host) => ({ host, status: 'published' as const, commit: `pushed-${host}`, previous: OLD, detail: '' })),
    revert: no('revert'),
    tips: no('tips'),
  };
}

function status(host: string, applied: string): StatusSnapshot {
  return {
    host, version: '0.1.0-test', branch: `hosts/${host}`, revision: { applied, lastGood: applied, head: applied }, state: 'idle',
    lastSync: { at: new Date().toISOString(), commit: applied, result: 'succeeded', error: null }, source: null, suspended: null, pending: null,
    resources: [], drift: [], hub: null,
  };
}

function hub(store: RolloutStorage, hosts: string[], syncs: string[], listeners: ReportListener[]): RolloutRunner {
  return new RolloutRunner(
    {
      store,
      fleet: { onReport: (l) => void listeners.push(l), linkOf: (host) => ({ online: true, status: status(host, OLD) }) },
      requestSync: (host) => void syncs.push(host),
      repo: repo(hosts),
      alerts: { send: () => undefined, drain: async () => undefined },
      logger: pino({ level: 'silent' }),
      now: () => new Date(),
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

describe('a hub taking a running rollout over', () => {
  it('asks the current wave\'s waiting hosts to sync again, and once more when such a host next reports still behind', async (t) => {
    const db = openSqliteStorage(':memory:');
    const hosts = ['a', 'b', 'c'];
    const firstSyncs: string[] = [];
    const first = hub(db.rollouts, hosts, firstSyncs, []);
    await first.start();
    const r = await first.create({ commit: FLEET, selector: '', budget: null }, 'op');
    await until('wave 1 waiting', async () => (await db.rollouts.get(r.id))?.hosts.some((h) => h.phase === 'waiting') === true);
    await first.stop();
    assert.deepEqual(firstSyncs, ['a'], 'wave 1 is host a alone');

    const syncs: string[] = [];
    const listeners: ReportListener[] = [];
    const second = hub(db.rollouts, hosts, syncs, listeners);
    t.after(() => second.stop());
    await second.start();
    assert.deepEqual(syncs, ['a'], 'only the waiting host of the current wave, not the later waves');
    // Its link was on the dead hub: it dials this one and reports the old commit.
    for (const l of listeners) l('a', { status: status('a', OLD) });
    assert.deepEqual(syncs, ['a', 'a']);
    for (const l of listeners) l('a', { status: status('a', OLD) });
    for (const l of listeners) l('b', { status: status('b', OLD) });
    assert.deepEqual(syncs, ['a', 'a'], 'once per host, and never a host not yet published');
    for (const l of listeners) l('a', { status: status('a', 'pushed-a') });
    for (const l of listeners) l('c', { status: status('c', OLD) });
    assert.deepEqual(syncs, ['a', 'a'], 'a host that applied its commit is not asked again');
  });
});
