// Load benchmark of `moor hub`: 5,000 simulated agents in this one process on real loopback
// websockets, 15 s heartbeats in real time (no time compression), a trickle of events, and the
// agents' pings of a link the hub was silent on (bench/lib/sim-pings.ts). Measures the
// hub process (a separate child): CPU % of one core and RSS from /proc, p99 frame handling from /metrics.
// Run: node build/bench/hub-load.js [--agents 5000] [--window 60] [--heartbeat 15] [--hub-build DIR]
// --hub-build runs the hub from another build (a before/after in one script). Every exit path stops the hub.

import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { openSqliteStorage } from '../hub/storage/open.js';
import { Cleanup, rerunWithDescriptors } from './lib/cleanup.js';
import { pingPeriodMs } from '../agent/reporter/reporter-timers.js';
import { startAgentPings } from './lib/sim-pings.js';

const SCRAPE_TOKEN = 'bench-scrape-token';
const VIEWER_TOKEN = 'moor_bench_viewer_token';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const AGENTS = arg('agents', 5000);
const WINDOW_S = arg('window', 60);
const HEARTBEAT_MS = arg('heartbeat', 15) * 1000;
/** Each agent sends one event (a sync that succeeded) every this often, on average. */
const EVENT_EVERY_MS = 300_000;
const CONNECT_CONCURRENCY = 100;

// 5,000 client sockets here and 5,000 in the hub: make sure the descriptor limit allows it.
if (!process.env['MOOR_BENCH_REEXEC']) process.exit(await rerunWithDescriptors(String(AGENTS * 2 + 500), 'MOOR_BENCH_REEXEC'));

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'moor-hub-load-'));
const HUB_BUILD = ((i) => (i >= 0 ? resolve(process.argv[i + 1] ?? '.') : null))(process.argv.indexOf('--hub-build'));
const entry = resolve(HUB_BUILD ?? resolve(import.meta.dirname, '..'), 'hub/dev-main.js');
const cleanup = new Cleanup();
cleanup.onSignals();
cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
const port = 17000 + Math.floor(Math.random() * 2000);

function procStat(pid: number): { cpuTicks: number; rssKb: number; hwmKb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return Number(line?.split(' ').pop() ?? NaN);
}

function heartbeat(i: number): string {
  return JSON.stringify({
    t: 'heartbeat',
    at: new Date().toISOString(),
    metrics: { cpuLoad: 3.1, load1: 0.12, memUsed: 412_000_000, memTotal: 2_000_000_000, disks: [{ path: '/var/lib/moor', used: 3e9, size: 3e10 }], uptimeSec: 86_400 + i, temperature: 48.5 },
    summary: { applied: 'a'.repeat(40), head: 'a'.repeat(40), state: 'idle', healthy: 20, unhealthy: 0, suspended: false, outbox: 0 },
  });
}

function status(host: string): string {
  return JSON.stringify({
    t: 'status',
    status: {
      host, version: '0.1.0', branch: `hosts/${host}`, revision: { applied: 'a'.repeat(40), lastGood: 'a'.repeat(40), head: 'a'.repeat(40) },
      state: 'idle', lastSync: { at: new Date().toISOString(), commit: 'a'.repeat(40), result: 'succeeded', error: null }, source: null,
      suspended: null, pending: null, drift: [], hub: null,
      resources: Array.from({ length: 20 }, (_, k) => ({ kind: 'container', name: `svc-${k}`, health: 'healthy', detail: 'running' })),
    },
  });
}

async function main(): Promise<void> {
  writeFileSync(join(dir, 'metrics-token'), `${SCRAPE_TOKEN}\n`);
  writeFileSync(join(dir, 'hub.yaml'), `listen: 127.0.0.1:${port}\ndatabase: ./hub.db\nofflineAfter: 60s\nmetricsTokenFile: metrics-token\n`);
  // Tokens straight into the hub's store: 5,000 `moor hub token add` processes would only time node's start.
  const tokens: string[] = [];
  {
    const storage = openSqliteStorage(join(dir, 'hub.db'));
    await storage.auth.addUser('bench', 'viewer', VIEWER_TOKEN, new Date());
    for (let i = 0; i < AGENTS; i++) {
      const token = `moor_bench_${i}_${Math.random().toString(36).slice(2)}`;
      tokens.push(token);
      await storage.hosts.addToken(`edge-${String(i).padStart(5, '0')}`, token, new Date());
    }
    await storage.close();
  }
  const out = openSync(join(dir, 'hub.log'), 'a');
  const hub = spawn(process.execPath, [entry, 'hub', '--config', join(dir, 'hub.yaml')], { stdio: ['ignore', out, out], env: { ...process.env, MOOR_LOG_LEVEL: 'warn' } });
  cleanup.child(hub);
  const pid = hub.pid ?? 0;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      if (i > 600 || hub.exitCode !== null) throw new Error(`hub did not start: ${readFileSync(join(dir, 'hub.log'), 'utf8').slice(-500)}`);
      await sleep(50);
    }
  }
  const idle = procStat(pid);
  const sockets: WebSocket[] = [];
  cleanup.add(() => {
    for (const ws of sockets) ws.terminate();
  });
  let acks = 0;
  let eventSeq = 0;
  const ackWait = new Map<WebSocket, number>();
  const ackTimes: number[] = [];
  const started = Date.now();
  const sent = { pings: 0 };
  async function connectOne(i: number): Promise<void> {
    const host = `edge-${String(i).padStart(5, '0')}`;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/agent`, { headers: { authorization: `Bearer ${tokens[i]}` }, perMessageDeflate: false });
    // Spread the fleet's heartbeats and ping rounds evenly over their periods, as agents that
    // connected at different moments: a moment in the ping period places both.
    const moment = Math.floor(Math.random() * pingPeriodMs(HEARTBEAT_MS));
    const offset = moment % HEARTBEAT_MS;
    startAgentPings(ws, HEARTBEAT_MS, sent, moment);
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { t: string };
      if (m.t === 'ack') {
        acks++;
        const t0 = ackWait.get(ws);
        if (t0 !== undefined) ackTimes.push(performance.now() - t0);
        ackWait.delete(ws);
      }
    });
    ws.send(JSON.stringify({ t: 'hello', host, version: '0.1.0', branch: `hosts/${host}`, inventory: null }));
    ws.send(status(host));
    sockets.push(ws);
    setTimeout(() => {
      ws.send(heartbeat(i));
      setInterval(() => {
        ws.send(heartbeat(i));
        if (Math.random() < HEARTBEAT_MS / EVENT_EVERY_MS) {
          eventSeq++;
          ackWait.set(ws, performance.now());
          ws.send(JSON.stringify({ t: 'events', events: [{ seq: Date.now() * 10 + (eventSeq % 10), at: new Date().toISOString(), event: { type: 'sync.succeeded', commit: 'a'.repeat(40), changes: 1, durationMs: 900 } }] }));
        }
      }, HEARTBEAT_MS);
    }, offset);
  }
  let next = 0;
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (next < AGENTS) await connectOne(next++);
  }));
  const connectS = (Date.now() - started) / 1000;
  const connected = await metric('moor_hub_agent_connections');
  // Let the first round of heartbeats and the connect burst settle before measuring.
  await sleep(HEARTBEAT_MS + 2000);
  const m0 = await metric('moor_hub_messages_total');
  const pings0 = sent.pings;
  const s0 = procStat(pid);
  const t0 = Date.now();
  let peakRss = s0.rssKb;
  while (Date.now() - t0 < WINDOW_S * 1000) {
    await sleep(1000);
    peakRss = Math.max(peakRss, procStat(pid).rssKb);
  }
  const s1 = procStat(pid);
  const elapsed = (Date.now() - t0) / 1000;
  const m1 = await metric('moor_hub_messages_total');
  const p99 = (await metric('moor_hub_message_handling_seconds{quantile="0.99"}')) * 1000;
  const p50 = (await metric('moor_hub_message_handling_seconds{quantile="0.5"}')) * 1000;
  const apiStart = performance.now();
  const page = await (await fetch(`http://127.0.0.1:${port}/api/hosts?limit=100&filter=online`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).json() as { total: number };
  const apiMs = performance.now() - apiStart;
  const ticksPerSec = 100; // CLK_TCK on Linux
  const cpuPct = ((s1.cpuTicks - s0.cpuTicks) / ticksPerSec / elapsed) * 100;
  ackTimes.sort((a, b) => a - b);
  const ackP99 = ackTimes[Math.floor(ackTimes.length * 0.99)] ?? 0;
  const rows = [
    ['agents connected', `${connected} of ${AGENTS} (in ${connectS.toFixed(1)} s, ${(AGENTS / connectS).toFixed(0)}/s, ${CONNECT_CONCURRENCY} at a time)${HUB_BUILD ? `, hub from ${HUB_BUILD}` : ''}`],
    ['heartbeat period', `${HEARTBEAT_MS / 1000} s, real time (no compression); 1 event per agent per ${EVENT_EVERY_MS / 60000} min on average`],
    ['measured window', `${elapsed.toFixed(0)} s, ${m1 - m0} frames (${((m1 - m0) / elapsed).toFixed(0)}/s) and ${sent.pings - pings0} agent pings, each answered`],
    ['hub CPU', `${cpuPct.toFixed(1)} % of one core, ${((s1.cpuTicks - s0.cpuTicks) / ticksPerSec).toFixed(1)} CPU s (bar <= 25 %)  ${cpuPct <= 25 ? 'PASS' : 'FAIL'}`],
    ['hub RSS', `${(s1.rssKb / 1024).toFixed(0)} MB now, ${(peakRss / 1024).toFixed(0)} MB peak in window, ${(s1.hwmKb / 1024).toFixed(0)} MB high-water incl. connect burst (bar <= 500 MB)  ${s1.hwmKb / 1024 <= 500 ? 'PASS' : 'FAIL'}`],
    ['hub RSS before agents', `${(idle.rssKb / 1024).toFixed(0)} MB`],
    ['frame handling (hub side)', `p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`],
    ['event -> ack round trip', `p99 ${ackP99.toFixed(1)} ms over ${ackTimes.length} events (${acks} acks)`],
    ['GET /api/hosts?limit=100&filter=online', `${apiMs.toFixed(1)} ms (${page.total} online)`],
    ['machine', `${cpus().length} cores, load generator in the same machine`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${(k ?? '').padEnd(40)} ${v}\n`);
}

main().then(async () => {
  await cleanup.run();
  process.exit(0);
}, async (err: unknown) => {
  process.stderr.write(`hub-load failed: ${String(err)}\n`);
  await cleanup.run();
  process.exit(1);
});
