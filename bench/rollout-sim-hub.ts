// The hub of the rollout simulation: the real hub (store, agent endpoint, API, runner, planner)
// with a simulated config repo, so the figures are the hub's own and not git's. Each host's
// "published" commit is sha1(fleet commit + host), which the simulated agents compute too.
// Run by bench/rollout-sim.ts: node build/bench/rollout-sim-hub.js HUB.YAML HOSTS

import { createHash } from 'node:crypto';
import pino from 'pino';
import { applyResidentV8 } from '../agent/resident-v8.js';
import { createHub } from '../hub/server.js';
import { loadHubSettings } from '../hub/settings.js';
import type { PreparedCommit, RolloutRepo } from '../hub/rollouts/repo.js';

export function simCommit(fleetCommit: string, host: string): string {
  return createHash('sha1').update(`${fleetCommit}:${host}`).digest('hex');
}

export function simHost(i: number): string {
  return `edge-${String(i).padStart(5, '0')}`;
}

function simRepo(hostCount: number): RolloutRepo {
  const hosts = Array.from({ length: hostCount }, (_, i) => ({ host: simHost(i), branch: `hosts/${simHost(i)}`, labels: { site: `site-${i % 50}` } }));
  return {
    async prepare(commit): Promise<PreparedCommit> {
      const id = commit ?? 'f'.repeat(40);
      return { commit: { id, subject: 'simulated', authorName: 'bench', authorEmail: 'bench@localhost', authorDate: '' }, defaults: { waves: [1, '10%', '50%', '100%'], maxFailures: '5%', waveTimeoutMs: 600_000, pauseMs: 0 }, hosts };
    },
    async publish(prepared, list) {
      return list.map((host) => ({ host, status: 'published' as const, commit: simCommit(prepared.commit.id, host), previous: 'p'.repeat(40), detail: 'simulated' }));
    },
    async revert(targets) {
      return targets.map((t) => ({ host: t.host, commit: simCommit('revert', t.host), detail: 'simulated' }));
    },
    async tips() {
      return new Map();
    },
  };
}

if (process.argv[1]?.endsWith('rollout-sim-hub.js')) {
  const [config = '', count = '5000'] = process.argv.slice(2);
  // The V8 flags `moor hub` runs with (this script is not started through the CLI).
  applyResidentV8('hub');
  const logger = pino({ level: process.env['MOOR_LOG_LEVEL'] ?? 'warn' }, pino.destination(2));
  const hub = await createHub({ logger, now: () => new Date(), rolloutRepo: simRepo(Number(count)) }, { settings: loadHubSettings(config) });
  await hub.start();
  process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)));
}
