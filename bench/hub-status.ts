// Hub CPU per status frame after a sync, in one process and on a simulated clock, so that the figure
// does not follow the machine's load: HOSTS hosts each send a whole status on their link (not
// timed), then ROUNDS statuses each after a sync (a new commit, 20 unchanged resources) through the
// hub's own path as the agent endpoint takes them (FrameReader, the link's LinkStatus, fleet, the
// 2 s flush to a real SQLite file; no sockets). Lean (resources left out, hub feature 'lean-status')
// by default, whole with --whole: run both, alternating, to compare.
// Run: node build/bench/hub-status.js [--hosts 5000] [--rounds 3] [--whole]

import { FrameReader } from '../hub/frames.js';
import { LinkStatus } from '../hub/lean-status.js';
import { simFleet } from './lib/sim-fleet.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const HOSTS = arg('hosts', 5000);
const ROUNDS = arg('rounds', 3);
const WHOLE = process.argv.includes('--whole');
/** A round's statuses arrive over this long (simulated), as a rollout's last wave reports. */
const ROUND_MS = 7_500;

const resources = Array.from({ length: 20 }, (_, k) => ({ kind: 'container', name: `svc-${k}`, health: 'healthy', detail: 'running' }));

function statusText(host: string, round: number, at: number, lean: boolean): string {
  const commit = round.toString(16).padStart(40, 'c');
  const status = {
    host, version: '0.1.0', branch: `hosts/${host}`, revision: { applied: commit, lastGood: commit, head: commit }, state: 'idle',
    lastSync: { at: new Date(at).toISOString(), commit, result: 'converged', error: null }, source: null, suspended: null, pending: null, drift: [], hub: null,
  };
  return lean ? JSON.stringify({ t: 'status', status, resources: 'unchanged' }) : JSON.stringify({ t: 'status', status: { ...status, resources } });
}

const sim = await simFleet(HOSTS, 'hub-status');
const reader = new FrameReader();
const links = sim.hosts.map(() => new LinkStatus());
// Every frame's text first (the agents' work), so that only the hub's is timed; round 0: the links' whole statuses.
const frames = Array.from({ length: ROUNDS + 1 }, (_, r) => sim.hosts.map((h, i) => statusText(h, r, sim.now() + r * ROUND_MS + i, r > 0 && !WHOLE)));

/** One round: every host's status, spread over ROUND_MS, as the agent endpoint takes it. */
async function round(texts: string[]): Promise<void> {
  await sim.feed(texts, ROUND_MS, async (host, i, text) => {
    const message = links[i]?.complete(reader.read(host, text));
    if (!message) throw new Error('a lean status without its link\'s whole one');
    await sim.fleet.take(host, message);
  });
  await sim.fleet.flush();
}

await round(frames[0] ?? []);
const cpu0 = process.cpuUsage();
for (let r = 1; r <= ROUNDS; r++) await round(frames[r] ?? []);
const used = process.cpuUsage(cpu0);
const cpuSec = (used.user + used.system) / 1e6;
const count = HOSTS * ROUNDS;
process.stdout.write(`${'statuses'.padEnd(24)} ${count} after a sync (${HOSTS} hosts x ${ROUNDS}), ${WHOLE ? 'whole (20 resources each)' : 'lean (20 unchanged resources left out)'}\n`);
process.stdout.write(`${'hub CPU'.padEnd(24)} ${cpuSec.toFixed(2)} s: ${((cpuSec / count) * 1e6).toFixed(1)} us per status (frame check, completion, fleet, flushes)\n`);
await sim.close();
