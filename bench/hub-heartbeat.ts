// Hub CPU per heartbeat, in one process and on a simulated clock, so that the figure does not
// follow the machine's load: HOSTS hosts beat every 15 s for PERIODS periods through the hub's own
// path (frame check, fleet, the 2 s flush to a real SQLite file; no sockets). The beats are those a
// current agent sends to this build's hub: lean (summary left out while unchanged) when the hub's
// frame check accepts that, else full. Copied into an older build's bench/ folder (with lib/sim-fleet.js),
// the same file measures that build ("before"). Run: node build/bench/hub-heartbeat.js [--hosts 5000] [--periods 4]

import { parseAgentFrame } from '../hub/frames.js';
import { simFleet } from './lib/sim-fleet.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const HOSTS = arg('hosts', 5000);
const PERIODS = arg('periods', 4);
const HEARTBEAT_MS = 15_000;
const sha = 'a'.repeat(40);

const summary = (i: number) => ({ applied: sha, head: sha, state: 'idle', healthy: 20, unhealthy: 0, suspended: false, outbox: 0, labels: { site: `site-${i % 50}`, role: 'edge' } });
const metrics = () => ({ cpuLoad: Math.round(Math.random() * 1000) / 10, load1: Math.random() * 2, memUsed: 1e9 + Math.floor(Math.random() * 1e8), memTotal: 4e9,
  disks: [{ path: '/', used: 1e10 + Math.floor(Math.random() * 1e6), size: 3e10 }], uptimeSec: 1000, temperature: null });

/** Whether this build's hub takes a heartbeat without its summary (an older one refuses it). */
function acceptsLean(): boolean {
  try {
    parseAgentFrame(JSON.stringify({ t: 'heartbeat', at: new Date().toISOString(), metrics: metrics() }));
    return true;
  } catch {
    return false;
  }
}

const sim = await simFleet(HOSTS, 'hub-heartbeat');
const lean = acceptsLean();
// Every frame's text first (the agents' work), so that only the hub's is timed.
const frames = Array.from({ length: PERIODS + 1 }, (_, p) => sim.hosts.map((_, i) =>
  JSON.stringify({ t: 'heartbeat', at: new Date(sim.now() + p * HEARTBEAT_MS).toISOString(), metrics: metrics(), ...(lean && p > 0 ? {} : { summary: summary(i) }) })));

/** One heartbeat period: every host beats once, spread over it, with a flush every 2 s. */
function period(texts: string[]): Promise<void> {
  return sim.feed(texts, HEARTBEAT_MS, async (host, _i, text) => {
    const frame = parseAgentFrame(text);
    // Heartbeats only: never a lean frame (which needs its link's whole status).
    if (!('resources' in frame)) await sim.fleet.take(host, frame);
  });
}

await period(frames[0] ?? []); // the first beats of the links (full in every build) and a warm-up
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let p = 1; p <= PERIODS; p++) await period(frames[p] ?? []);
const used = process.cpuUsage(cpu0);
const cpuSec = (used.user + used.system) / 1e6;
const beats = HOSTS * PERIODS;
const rows = [
  ['hosts, periods', `${HOSTS} hosts, ${PERIODS} heartbeat periods of 15 s (simulated clock), ${lean ? 'lean beats (summary left out while unchanged)' : 'full beats (this hub refuses lean ones)'}`],
  ['hub CPU for the beats', `${cpuSec.toFixed(2)} s for ${beats} heartbeats: ${((cpuSec / beats) * 1e6).toFixed(1)} us each (frame check, fleet, flushes; wall ${((performance.now() - t0) / 1000).toFixed(2)} s)`],
  ['as a share of one core', `${((cpuSec / ((PERIODS * HEARTBEAT_MS) / 1000)) * 100).toFixed(2)} % at ${HOSTS} hosts beating every 15 s (sockets not included)`],
];
for (const [k, v] of rows) process.stdout.write(`${(k ?? '').padEnd(24)} ${v}\n`);
await sim.close();
