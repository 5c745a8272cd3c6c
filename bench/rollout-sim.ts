// Simulation benchmark of a 5,000-host rollout run by the hub: the real hub process (simulated
// config repo, bench/rollout-sim-hub.ts) and 5,000 simulated agents on real loopback websockets
// (the hub-load harness's frames). Each agent, told to sync, applies for 0.2-2 s (--apply-min/--apply-max S;
// its own time, the same in every rollout: see applyMs) and reports as the real reporter does (bench/lib/sim-reporter.ts):
// sync.started, sync.succeeded, and its status 200 ms later, each events batch acknowledged before
// the next; with a hub offering 'events-status' the status rides on the events frame. Prints the
// hub's CPU and memory during the rollout and, for each wave, the time from the last report of the
// wave before to the first sync request of the next. Before the rollout, the idle fleet's cost over
// one whole ping period (two beats and at most one ping an agent): hub CPU per frame. The agents beat as the real reporter does
// (metrics every beat; the summary left out while unchanged when the hub's welcome offers
// 'lean-heartbeat'), send their status without its unchanged resources when it offers
// 'lean-status' (a hub's status request is answered whole), and ping a link the hub has been silent
// on for a ping period (bench/lib/sim-pings.ts), which the hub answers. Each agent's beats and ping
// rounds have their own phase in the period, as a real fleet's agents connected at different moments:
// every rollout meets its share of them, not a burst of the whole fleet's or none.
// The rollouts run one after the other on the same hub (--rollouts N, 3 by default), a ping period
// (30 s) of idle fleet before each, as between real rollouts minutes apart; each to a fleet
// commit of its own: the first finds the rollout's code paths cold (V8 compiles them while it runs),
// the later ones warm. Each is reported, and the bar is judged on the worst of them.
// MOOR_BENCH_HUB_SCRIPT runs another build's rollout-sim-hub.js (a "before" build) against the same
// simulated agents.
// Run: node build/bench/rollout-sim.js [--agents 5000] [--apply-min 0.2] [--apply-max 2] [--rollouts 3]

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import type { StatusSnapshot } from '../agent/contracts/status-model.js';
import { summaryOfStatus } from '../agent/contracts/heartbeat-summary.js';
import { openSqliteStorage } from '../hub/storage/open.js';
import { waveSizes } from '../hub/rollouts/model.js';
import { median, sleep } from './lib/report.js';
import { pingPeriodMs } from '../agent/reporter/reporter-timers.js';
import { startAgentPings } from './lib/sim-pings.js';
import { SimReporter } from './lib/sim-reporter.js';
import { simCommit, simHost } from './rollout-sim-hub.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const AGENTS = arg('agents', 5000);
/** How long a simulated agent takes to apply a commit, uniformly between these (seconds). */
const APPLY_MIN_MS = arg('apply-min', 0.2) * 1000;
const APPLY_MAX_MS = arg('apply-max', 2) * 1000;
const OPERATOR_TOKEN = 'moor_bench_operator_token';
const HEARTBEAT_MS = 15_000;
/** How often an agent checks a silent link (the real reporter's period for these beats). */
const PING_MS = pingPeriodMs(HEARTBEAT_MS);
const ROLLOUTS = arg('rollouts', 3);
/**
 * How long host i takes to apply: spread evenly over [APPLY_MIN_MS, APPLY_MAX_MS] within any run of
 * hosts (a wave is one: waves take hosts in name order), in a mixed order (a golden-ratio sequence),
 * the same in every rollout and run. The one-host canary wave takes the middle of the range. Drawn at
 * random, the canary's apply alone moved a rollout's length by up to 1.8 s of some 8.5 (and the hub's
 * share of a core with it, by a tenth), whatever the hub did.
 */
const applyMs = (i: number): number => APPLY_MIN_MS + (APPLY_MAX_MS - APPLY_MIN_MS) * ((0.5 + i * 0.6180339887498949) % 1);
/** The fleet commit of rollout k (0-based). */
const fleetCommit = (k: number): string => createHash('sha1').update(`fleet commit ${k}`).digest('hex');

if (!process.env['MOOR_BENCH_REEXEC']) {
  const r = spawnSync('bash', ['-c', `ulimit -n ${AGENTS * 2 + 500} 2>/dev/null || ulimit -n $(ulimit -Hn); exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, MOOR_BENCH_REEXEC: '1' },
  });
  process.exit(r.status ?? 1);
}

const dir = mkdtempSync(join(tmpdir(), 'moor-rollout-sim-'));
const port = 19000 + Math.floor(Math.random() * 2000);

/** The hub's CPU ticks, memory, and the bytes its write calls wrote (the database's pages, most of them: socket writes are a few bytes a message). */
function procStat(pid: number): { cpuTicks: number; sysTicks: number; rssKb: number; wroteBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  const wchar = /wchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1];
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), sysTicks: Number(fields[12]), rssKb: Number(rss ?? 0), wroteBytes: Number(wchar ?? 0) };
}

/** A simulated host's fleet labels: its status carries them (from the applied commit's moor.yaml), and so its beats' summary. */
function labelsOf(i: number): Record<string, string> {
  return { site: `site-${i % 50}`, role: 'edge' };
}

/** The host's status as the agent reports it after applying `commit`: 20 healthy containers. */
function statusOf(host: string, i: number, commit: string): StatusSnapshot {
  return {
    host, version: '0.1.0', branch: `hosts/${host}`, revision: { applied: commit, lastGood: commit, head: commit }, state: 'idle',
    lastSync: { at: new Date().toISOString(), commit, result: 'converged', error: null }, source: null, suspended: null, pending: null, drift: [], hub: null,
    labels: labelsOf(i), resources: Array.from({ length: 20 }, (_, k) => ({ kind: 'container', name: `svc-${k}`, health: 'healthy', detail: 'running' })),
  };
}

/**
 * The status members of a frame: `"status":{...}` whole, or lean (the same 20 resources as the
 * link's first status left out, `"resources":"unchanged"`), as the reporter sends when the hub offers 'lean-status'.
 */
function statusMembers(status: StatusSnapshot, lean = false): string {
  if (!lean) return `"status":${JSON.stringify(status)}`;
  const { resources: _left, ...rest } = status;
  return `"status":${JSON.stringify(rest)},"resources":"unchanged"`;
}

/** A heartbeat's metrics as the agent samples them: they move every beat. */
function metricsSample(): unknown {
  return { cpuLoad: Math.round(Math.random() * 1000) / 10, load1: Math.random() * 2, memUsed: 1e9 + Math.floor(Math.random() * 1e8), memTotal: 4e9,
    disks: [{ path: '/', used: 1e10 + Math.floor(Math.random() * 1e6), size: 3e10 }], uptimeSec: Math.floor(performance.now() / 1000), temperature: null };
}

/** The machine's CPU ticks: all of them, and those its hypervisor gave to others (steal). */
function machineTicks(): { total: number; steal: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
}

async function api(path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' } });
  return res.json();
}

async function main(): Promise<void> {
  writeFileSync(join(dir, 'hub.yaml'), `listen: 127.0.0.1:${port}\ndatabase: ./hub.db\nofflineAfter: 60s\nrateLimitPerMinute: 100000\n`);
  const tokens: string[] = [];
  {
    const storage = openSqliteStorage(join(dir, 'hub.db'));
    await storage.auth.addUser('bench', 'operator', OPERATOR_TOKEN, new Date());
    for (let i = 0; i < AGENTS; i++) {
      tokens.push(`moor_bench_${i}_${Math.random().toString(36).slice(2)}`);
      await storage.hosts.addToken(simHost(i), tokens[i] ?? '', new Date());
    }
    await storage.close();
  }
  const out = openSync(join(dir, 'hub.log'), 'a');
  const hubScript = process.env['MOOR_BENCH_HUB_SCRIPT'] ?? resolve(import.meta.dirname, 'rollout-sim-hub.js');
  const hub = spawn(process.execPath, [...(process.env['MOOR_BENCH_HUB_NODE_ARGS'] ?? '').split(' ').filter(Boolean), hubScript, join(dir, 'hub.yaml'), String(AGENTS)], { stdio: ['ignore', out, out] });
  const pid = hub.pid ?? 0;
  for (let i = 0; ; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch { if (i > 400) throw new Error('hub did not start'); await sleep(50); }
  }
  let heartbeats = 0;
  const sent = { pings: 0 };
  // Hosts go into waves in name order (edge-00000 first), as the planner assigns them.
  const sizes = waveSizes(AGENTS, [1, '10%', '50%', '100%']);
  const waveOf = (i: number): number => {
    let end = 0;
    for (let w = 0; w < sizes.length; w++) if (i < (end += sizes[w] ?? 0)) return w;
    return sizes.length - 1;
  };
  /** What the agents saw of the rollout under way. */
  let round: Round = newRound(fleetCommit(0));
  const sockets: WebSocket[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 100 }, async () => {
    while (next < AGENTS) {
      const i = next++;
      const host = simHost(i);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/agent`, { headers: { authorization: `Bearer ${tokens[i]}` }, perMessageDeflate: false });
      // The message handler is set before the socket opens, as the reporter's is: the hub's welcome
      // may come in the same read as the upgrade's answer, and an agent that missed it would never
      // send a lean status.
      const opened = new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
      // The agent's timers' phase: real agents connected at any moment, not all in the second or
      // two this fleet takes to connect (their beats would come in bursts). A moment in the ping
      // period (twice the heartbeat's) places both its ping rounds and its beats.
      const phase = Math.floor(Math.random() * PING_MS);
      startAgentPings(ws, HEARTBEAT_MS, sent, phase);
      let lean = false;
      let leanStatus = false;
      let applied = 'a'.repeat(40);
      let summarySent: string | null = null;
      let summaryOf: { commit: string; text: string } | null = null;
      /** The round this host last reported its commit of (each counts once). */
      let reported: Round | null = null;
      const reporter = new SimReporter({
        send: (text) => ws.send(text),
        statusMembers: () => {
          const seen = round;
          if (reported !== seen && applied === simCommit(seen.commit, host)) {
            reported = seen;
            seen.lastReport[waveOf(i)] = performance.now();
            seen.reports++;
          }
          return statusMembers(statusOf(host, i, applied), leanStatus);
        },
      });
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { t: string; features?: unknown; seq?: number };
        if (m.t === 'welcome') {
          const features = Array.isArray(m.features) ? m.features : [];
          lean = features.includes('lean-heartbeat');
          leanStatus = features.includes('lean-status');
          reporter.eventsStatus = features.includes('events-status');
        }
        if (m.t === 'ack' && typeof m.seq === 'number') reporter.acked(m.seq);
        if (m.t === 'status') ws.send(`{"t":"status",${statusMembers(statusOf(host, i, applied))}}`);
        if (m.t !== 'sync') return;
        const seen = round;
        seen.syncs++;
        seen.firstSync[waveOf(i)] ??= performance.now();
        const commit = simCommit(seen.commit, host);
        const started = performance.now();
        reporter.emit({ type: 'sync.started', commit, trigger: 'hub' }, false);
        setTimeout(() => {
          applied = commit;
          reporter.emit({ type: 'sync.succeeded', commit, changes: 3, durationMs: Math.round(performance.now() - started) }, true);
        }, applyMs(i));
      });
      await opened;
      ws.send(JSON.stringify({ t: 'hello', host, version: '0.1.0', branch: `hosts/${host}`, inventory: null }));
      ws.send(`{"t":"status",${statusMembers(statusOf(host, i, applied))}}`);
      const beat = (): void => {
        if (ws.readyState !== ws.OPEN) return;
        // As the reporter's beat (reporter-timers.ts, summarise): the summary of the status it holds,
        // labels included; worked out again only when the applied commit moved.
        if (summaryOf?.commit !== applied) summaryOf = { commit: applied, text: JSON.stringify(summaryOfStatus(statusOf(host, i, applied), 0)) };
        const summary = summaryOf.text;
        const frame = { t: 'heartbeat', at: new Date().toISOString(), metrics: metricsSample(), ...(lean && summary === summarySent ? {} : { summary: JSON.parse(summary) as unknown }) };
        summarySent = summary;
        ws.send(JSON.stringify(frame));
        heartbeats++;
      };
      let hb: NodeJS.Timeout = setTimeout(() => {
        beat();
        hb = setInterval(beat, HEARTBEAT_MS);
      }, phase % HEARTBEAT_MS);
      ws.on('close', () => clearTimeout(hb));
      sockets.push(ws);
    }
  }));
  // The idle fleet's cost over one ping period (two heartbeat periods), once every agent beats and
  // pings as it will from then on (the first ping round of a link finds the welcome heard, and
  // skips): the rollout's own share is the rest.
  await sleep(2 * PING_MS + 1000);
  const b0 = procStat(pid);
  const beats0 = heartbeats;
  const pings0 = sent.pings;
  await sleep(PING_MS);
  const idleCpuSec = (procStat(pid).cpuTicks - b0.cpuTicks) / 100;
  const idleBeats = heartbeats - beats0;
  const idlePings = sent.pings - pings0;
  const idlePct = (idleCpuSec / (PING_MS / 1000)) * 100;
  const load0 = loadavg().map((l) => l.toFixed(2)).join(' ');
  const rssBefore = procStat(pid).rssKb;
  let peakRss = rssBefore;

  /** One rollout of every host to fleet commit k, measured from its creation to its completion. */
  async function rollout(k: number): Promise<RolloutFigures> {
    round = newRound(fleetCommit(k));
    const passCpu0 = metricOf(await metricsText(), 'moor_hub_rollout_pass_cpu_seconds_total');
    const s0 = procStat(pid);
    const m0 = machineTicks();
    const own0 = process.cpuUsage();
    const pings0 = sent.pings;
    const t0 = performance.now();
    const created = (await api('/api/rollouts', { method: 'POST', body: JSON.stringify({ commit: round.commit, waves: [1, '10%', '50%', '100%'], maxFailures: '5%', waveTimeout: '10m', pause: '0s' }) })) as { id: number; error?: string };
    if (!created.id) throw new Error(`cannot start: ${JSON.stringify(created)}`);
    let r: { status: string; wave: number } = { status: 'running', wave: 1 };
    while (r.status === 'running') {
      await sleep(500);
      peakRss = Math.max(peakRss, procStat(pid).rssKb);
      // The list view (counters only): polling the detail (every host) would measure the bench's own reads.
      const list = (await api('/api/rollouts')) as { rollouts: { id: number; status: string; wave: number }[] };
      r = list.rollouts.find((x) => x.id === created.id) ?? r;
    }
    const s1 = procStat(pid);
    const m1 = machineTicks();
    const own = process.cpuUsage(own0);
    const elapsed = (performance.now() - t0) / 1000;
    const metrics = await metricsText();
    const advances: number[] = [];
    for (let w = 1; w < sizes.length; w++) advances.push((round.firstSync[w] ?? NaN) - (round.lastReport[w - 1] ?? NaN));
    const cpuSec = (s1.cpuTicks - s0.cpuTicks) / 100;
    return {
      status: r.status, elapsed, cpuSec, sysSec: (s1.sysTicks - s0.sysTicks) / 100, cpuPct: (cpuSec / elapsed) * 100, advances, syncs: round.syncs, reports: round.reports, pings: sent.pings - pings0,
      wroteMb: (s1.wroteBytes - s0.wroteBytes) / 2 ** 20, stealPct: (100 * (m1.steal - m0.steal)) / Math.max(1, m1.total - m0.total),
      agentsPct: ((own.user + own.system) / 1e6 / elapsed) * 100,
      hubAdvanceSec: metricOf(metrics, 'moor_hub_rollout_wave_advance_seconds'), passCpuSec: metricOf(metrics, 'moor_hub_rollout_pass_cpu_seconds_total') - passCpu0,
    };
  }

  const figures: RolloutFigures[] = [];
  for (let k = 0; k < ROLLOUTS; k++) {
    // A whole ping period of an idle fleet before each rollout, as between real ones (minutes
    // apart): its hosts' links are silent again, so those not yet asked to sync ping the hub as
    // their round comes; and the tail of the rollout before (its last flush of host rows) is not this one's.
    if (k > 0) await sleep(PING_MS + 1000);
    figures.push(await rollout(k));
  }
  const worstCpu = Math.max(...figures.map((f) => f.cpuPct));
  const worstAdvance = Math.max(...figures.flatMap((f) => f.advances));
  const rows = [
    ['hosts', `${AGENTS} simulated agents, apply takes ${APPLY_MIN_MS / 1000}-${APPLY_MAX_MS / 1000} s each (spread evenly in each wave, the canary ${(applyMs(0) / 1000).toFixed(2)} s), waves ${sizes.join(' + ')}, no pause`],
    ...figures.map((f, k) => [`rollout ${k + 1}${k === 0 ? ' (code paths cold)' : ''}`,
      `${f.status} in ${f.elapsed.toFixed(1)} s; hub ${f.cpuPct.toFixed(1)} % of one core, ${f.cpuSec.toFixed(2)} CPU s (${((f.cpuSec / AGENTS) * 1e6).toFixed(0)} us per host, ${f.sysSec.toFixed(2)} s kernel), wrote ${f.wroteMb.toFixed(0)} MB; ` +
      `next wave ${f.advances.map((a) => `${a.toFixed(0)}`).join(', ')} ms after the last report (hub side ${f.hubAdvanceSec.toFixed(3)} s); passes ${f.passCpuSec.toFixed(2)} CPU s; ${f.syncs} sync requests, ${f.reports} reports, ${f.pings} agent pings; simulated agents ${f.agentsPct.toFixed(0)} % of one core, machine steal ${f.stealPct.toFixed(1)} %`]),
    ['hub CPU during a rollout', `worst ${worstCpu.toFixed(1)} %, median ${median(figures.map((f) => f.cpuPct)).toFixed(1)} % of one core over ${figures.length} rollout(s) (bar <= 25 %, every rollout)  ${worstCpu <= 25 ? 'PASS' : 'FAIL'}`],
    // The agents do the other side of the same exchanges, without a database, on the same cores at
    // the same moments: this machine's slow and quick spells move both, the ratio much less.
    ['hub against the agents', `the hub's CPU ${median(figures.map((f) => f.cpuSec / Math.max(1e-6, (f.agentsPct / 100) * f.elapsed))).toFixed(2)} times the simulated agents' (median over the rollouts; a reference for comparing runs of other hours, not a bar)`],
    ['last report -> next wave sync', `worst ${worstAdvance.toFixed(0)} ms (bar <= 1000 ms)  ${Number.isFinite(worstAdvance) && worstAdvance <= 1000 ? 'PASS' : 'FAIL'}`],
    [`hub CPU, idle fleet (${PING_MS / 1000} s before)`, `${idlePct.toFixed(1)} % of one core, ${idleCpuSec.toFixed(2)} s for ${idleBeats} heartbeats and ${idlePings} pings (${((idleCpuSec / Math.max(1, idleBeats + idlePings)) * 1e6).toFixed(0)} us a frame received, everything included)`],
    ['hub RSS', `${(rssBefore / 1024).toFixed(0)} MB before, ${(peakRss / 1024).toFixed(0)} MB peak`],
    ['machine', `${cpus().length} cores, load generator in the same machine; load average ${load0} before, ${loadavg().map((l) => l.toFixed(2)).join(' ')} after`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${(k ?? '').padEnd(34)} ${v}\n`);
  for (const ws of sockets) ws.terminate();
  hub.kill('SIGTERM');
  await new Promise((res) => hub.once('exit', res));
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

interface Round {
  commit: string;
  firstSync: number[];
  lastReport: number[];
  syncs: number;
  reports: number;
}

function newRound(commit: string): Round {
  return { commit, firstSync: [], lastReport: [], syncs: 0, reports: 0 };
}

interface RolloutFigures {
  status: string;
  elapsed: number;
  cpuSec: number;
  sysSec: number;
  cpuPct: number;
  advances: number[];
  syncs: number;
  reports: number;
  /** Pings the agents sent (to links the hub had been silent on). */
  pings: number;
  hubAdvanceSec: number;
  passCpuSec: number;
  wroteMb: number;
  /** The share of the machine's CPU time its hypervisor gave to other guests during the rollout. */
  stealPct: number;
  /** The simulated agents' own CPU (this process), on the same two cores as the hub. */
  agentsPct: number;
}

async function metricsText(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).text();
}

function metricOf(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

main().catch((err: unknown) => {
  process.stderr.write(`rollout-sim failed: ${String(err)}\n`);
  process.exit(1);
});
