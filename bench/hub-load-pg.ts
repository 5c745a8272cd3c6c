// Load benchmark of several `moor hub` processes on one PostgreSQL (the test bed's, postgres.sh):
// 20,000 simulated agents spread over the hubs on real loopback websockets, 15 s heartbeats in
// real time, a trickle of events. Prints each hub's CPU and RSS and PostgreSQL's (the sum of its
// processes from /proc; RSS counts shared buffers once per process, so it overstates).
// Then, in the same run, the single hub on SQLite at 5,000 agents (bench/hub-load.ts) for comparison.
// Run: node build/bench/hub-load-pg.js [--agents 20000] [--hubs 2] [--window 60] [--per-client 7000]
//   [--sqlite-agents 5000 | --no-sqlite] [--hub-build DIR] [--cpu-prof DIR]
// PostgreSQL: the test bed's when `eval "$(bash test/bed/postgres.sh env)"` was run, else a private one
// started (and stopped) here. --hub-build runs the hubs from another build (e.g. the commit before a
// change, for a before/after in one script). Every exit path stops what the bench started, by PID.
// One descriptor per agent: the agents are spread over load-generator processes (hub-load-agents.ts),
// --per-client each, and the soft descriptor limit is raised to the hard one in the spawning shell.

import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { openPostgresStorage } from '../hub/storage/open.js';
import { withPassword } from '../hub/storage/postgres-exec.js';
import { Cleanup, rerunWithDescriptors } from './lib/cleanup.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const AGENTS = arg('agents', 20_000);
const HUBS = arg('hubs', 2);
const WINDOW_S = arg('window', 60);
const HEARTBEAT_MS = arg('heartbeat', 15) * 1000;
/** Agents per load-generator process (hub-load-agents.ts): one descriptor each, under a limit of about 20,000. */
const PER_CLIENT = arg('per-client', 7000);
/** The SQLite single hub run after it (0: none). */
const SQLITE_AGENTS = process.argv.includes('--no-sqlite') ? 0 : arg('sqlite-agents', 5000);
const SCRAPE_TOKEN = 'bench-scrape-token';
/** --cpu-prof DIR: the hubs write V8 CPU profiles there when they stop. */
const PROFILE_DIR = ((i) => (i >= 0 ? resolve(process.argv[i + 1] ?? '.') : null))(process.argv.indexOf('--cpu-prof'));

/** --hub-build DIR: the hubs run from that build's hub/dev-main.js instead of this one's. */
const HUB_BUILD = ((i) => (i >= 0 ? resolve(process.argv[i + 1] ?? '.') : null))(process.argv.indexOf('--hub-build'));

if (!process.env['MOOR_BENCH_REEXEC']) process.exit(await rerunWithDescriptors('"$(ulimit -Hn)"', 'MOOR_BENCH_REEXEC'));

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'moor-hub-load-pg-'));
const entry = resolve(HUB_BUILD ?? resolve(import.meta.dirname, '..'), 'hub/dev-main.js');
const repo = resolve(import.meta.dirname, '../..');
const cleanup = new Cleanup();
cleanup.onSignals();
/** Where the hubs' and load generators' logs are kept when the bench fails (the rest of `dir` goes). */
const keptLogs = join(repo, '.test-bed/logs/hub-load-pg');
cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
cleanup.add(() => {
  rmSync(keptLogs, { recursive: true, force: true });
  mkdirSync(keptLogs, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.log')) copyFileSync(join(dir, f), join(keptLogs, f));
});

interface Usage { cpuTicks: number; rssKb: number }

function usage(pid: number): Usage {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssKb: Number(rss ?? 0) };
  } catch {
    return { cpuTicks: 0, rssKb: 0 };
  }
}

/** The postmaster (from the data directory's postmaster.pid) and every process it started. */
function postgresPids(dataDir: string): number[] {
  const main = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const out = [main];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === main) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** CPU ticks per process now, to take differences per process (backends come and go). */
function ticks(pids: number[]): Map<number, number> {
  return new Map(pids.map((p) => [p, usage(p).cpuTicks]));
}

/** Ticks used since `before` by the processes alive now (one that started since counts whole). */
function ticksSince(before: Map<number, number>, now: Map<number, number>): number {
  let n = 0;
  for (const [p, t] of now) n += Math.max(0, t - (before.get(p) ?? 0));
  return n;
}

function sum(pids: number[]): Usage {
  return pids.map(usage).reduce((a, b) => ({ cpuTicks: a.cpuTicks + b.cpuTicks, rssKb: a.rssKb + b.rssKb }), { cpuTicks: 0, rssKb: 0 });
}

interface Database { url: string; passwordFile: string; password: string; dataDir: string }

/** The test bed's PostgreSQL when its env is set, else a private one under .test-bed, stopped at cleanup. */
function postgres(): { url: string; passwordFile: string; dataDir: string } {
  const url = process.env['MOOR_TEST_PG_URL'];
  const passwordFile = process.env['MOOR_TEST_PG_PASSWORD_FILE'];
  const bedDir = (d: string) => resolve(d, 'data');
  if (url && passwordFile) return { url, passwordFile, dataDir: bedDir(process.env['MOOR_PG_BED_DIR'] ?? join(repo, '.test-bed/postgres')) };
  const bed = join(repo, '.test-bed/hub-load-pg');
  const script = join(repo, 'test/bed/postgres.sh');
  const env = { ...process.env, MOOR_PG_BED_DIR: bed };
  cleanup.add(() => {
    execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
    rmSync(bed, { recursive: true, force: true });
  });
  execFileSync('bash', [script, 'start'], { env, stdio: 'ignore' });
  const vars = new Map(execFileSync('bash', [script, 'env'], { env, encoding: 'utf8' }).split('\n').map((l) => /^export (\w+)=(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1], m[2]]));
  return { url: vars.get('MOOR_TEST_PG_URL') ?? '', passwordFile: vars.get('MOOR_TEST_PG_PASSWORD_FILE') ?? '', dataDir: bedDir(bed) };
}

/** A database of its own on that server, dropped at cleanup (after the hubs stopped). */
async function freshDatabase(): Promise<Database> {
  const { url, passwordFile, dataDir } = postgres();
  const password = readFileSync(passwordFile, 'utf8').trim();
  const name = `moor_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: withPassword(url, password) });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  cleanup.add(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const u = new URL(url);
  u.pathname = `/${name}`;
  return { url: u.toString(), passwordFile, password, dataDir };
}

async function metricOf(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
  return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ').pop() ?? NaN);
}

/** The connect ramp as it goes: agents linked so far, the rate since the start, the hubs' and PostgreSQL's CPU seconds so far. */
async function rampLine(hubs: readonly { port: number }[], started: number, cpu: () => string): Promise<void> {
  try {
    const n = (await Promise.all(hubs.map((h) => metricOf(h.port, 'moor_hub_agent_connections')))).reduce((a, b) => a + b, 0);
    const s = (Date.now() - started) / 1000;
    process.stdout.write(`  ramp: ${n} agents linked after ${s.toFixed(0)} s (${(n / s).toFixed(0)}/s); ${cpu()}; load ${loadavg()[0]?.toFixed(1)}\n`);
  } catch {
    // a hub too busy to answer: the next line tells
  }
}

async function seedTokens(db: Database): Promise<string[]> {
  const tokens: string[] = [];
  const storage = await openPostgresStorage(db.url, db.password);
  try {
    for (let i = 0; i < AGENTS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, AGENTS - i) }, (_, k) => {
        const token = `moor_bench_${i + k}_${Math.random().toString(36).slice(2)}`;
        tokens[i + k] = token;
        return storage.hosts.addToken(`edge-${String(i + k).padStart(5, '0')}`, token, new Date());
      }));
    }
  } finally {
    await storage.close();
  }
  return tokens;
}

interface Hub { child: ChildProcess; port: number }

async function startHubs(db: Database): Promise<Hub[]> {
  writeFileSync(join(dir, 'metrics-token'), `${SCRAPE_TOKEN}\n`);
  const hubs: Hub[] = [];
  for (let h = 0; h < HUBS; h++) {
    const port = 17000 + Math.floor(Math.random() * 2000) + h * 2000;
    const config = join(dir, `hub-${h}.yaml`);
    writeFileSync(config, `listen: 127.0.0.1:${port}\ndatabase: { url: "${db.url}", passwordFile: "${db.passwordFile}" }\nofflineAfter: 60s\nmetricsTokenFile: metrics-token\n`);
    const out = openSync(join(dir, `hub-${h}.log`), 'a');
    const prof = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
    const child = spawn(process.execPath, [...prof, entry, 'hub', '--config', config], { stdio: ['ignore', out, out], env: { ...process.env, MOOR_LOG_LEVEL: 'warn' } });
    cleanup.child(child);
    hubs.push({ child, port });
  }
  for (const hub of hubs) {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${hub.port}/healthz`)).ok) break;
      } catch {
        if (i > 600 || hub.child.exitCode !== null) throw new Error(`hub did not start: ${readFileSync(join(dir, `hub-${hubs.indexOf(hub)}.log`), 'utf8').slice(-500)}`);
        await sleep(100);
      }
    }
  }
  return hubs;
}

/** Agents spread over load-generator processes (hub-load-agents.ts), PER_CLIENT each: one descriptor per agent. */
function startClients(hubs: readonly Hub[], tokens: readonly string[]): { clients: ChildProcess[]; connected: Promise<number[]> } {
  const clients: ChildProcess[] = [];
  const connected: Promise<number>[] = [];
  for (let c = 0; c * PER_CLIENT < AGENTS; c++) {
    const share = Array.from({ length: Math.min(PER_CLIENT, AGENTS - c * PER_CLIENT) }, (_, k) => {
      const i = c * PER_CLIENT + k;
      return { i, host: `edge-${String(i).padStart(5, '0')}`, token: tokens[i] ?? '', port: hubs[i % HUBS]?.port ?? 0 };
    });
    const file = join(dir, `agents-${c}.json`);
    writeFileSync(file, JSON.stringify(share));
    const out = openSync(join(dir, `agents-${c}.log`), 'a');
    const child = fork(resolve(import.meta.dirname, 'hub-load-agents.js'), [file], { stdio: ['ignore', out, out, 'ipc'], env: { ...process.env, MOOR_BENCH_HEARTBEAT_MS: String(HEARTBEAT_MS) } });
    cleanup.child(child, 'SIGKILL');
    clients.push(child);
    connected.push(new Promise((res, rej) => {
      child.once('message', (m: { retries?: number }) => res(m.retries ?? 0));
      child.once('exit', (code) => rej(new Error(`load generator ${c} exited (${code}): ${readFileSync(join(dir, `agents-${c}.log`), 'utf8').slice(-500)}`)));
    }));
  }
  return { clients, connected: Promise.all(connected) };
}

/** CPU seconds used since `before` by each group (per-process differences: PostgreSQL's backends come and go). */
function cpuSeconds(before: Map<number, number>, pids: number[]): number {
  return ticksSince(before, ticks(pids)) / 100;
}

async function ramp(db: Database, hubs: readonly Hub[], tokens: readonly string[]): Promise<{ lines: string[]; clients: ChildProcess[] }> {
  const started = Date.now();
  const hubPids = hubs.map((h) => h.child.pid ?? 0);
  const h0 = ticks(hubPids);
  const p0 = ticks(postgresPids(db.dataDir));
  const { clients, connected } = startClients(hubs, tokens);
  const c0 = ticks(clients.map((c) => c.pid ?? 0));
  const soFar = () => `hubs ${cpuSeconds(h0, hubPids).toFixed(1)} CPU s, PostgreSQL ${cpuSeconds(p0, postgresPids(db.dataDir)).toFixed(1)} CPU s`;
  const progress = setInterval(() => void rampLine(hubs, started, soFar), 10_000);
  const retries = (await connected.finally(() => clearInterval(progress))).reduce((a, b) => a + b, 0);
  const s = (Date.now() - started) / 1000;
  const hubS = cpuSeconds(h0, hubPids);
  const pgS = cpuSeconds(p0, postgresPids(db.dataDir));
  const clientS = cpuSeconds(c0, clients.map((c) => c.pid ?? 0));
  const pct = (cpu: number) => `${cpu.toFixed(1)} CPU s (${((cpu / s) * 100).toFixed(0)} % of one core)`;
  return {
    clients,
    lines: [
      `connect ramp: ${AGENTS} agents in ${s.toFixed(1)} s (${(AGENTS / s).toFixed(0)} agents/s, ${retries} connects tried again); hubs ${pct(hubS)}, PostgreSQL ${pct(pgS)}, load generators ${pct(clientS)}; machine load average ${loadavg()[0]?.toFixed(1)}`,
    ],
  };
}

async function metricsOf(hub: Hub): Promise<(name: string) => string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${hub.port}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
  const lines = text.split('\n');
  return (name) => lines.find((l) => l.startsWith(`${name} `))?.split(' ').pop();
}

async function window(db: Database, hubs: readonly Hub[]): Promise<string[]> {
  await sleep(HEARTBEAT_MS + 2000);
  const hubPids = hubs.map((h) => h.child.pid ?? 0);
  const h0 = hubPids.map((p) => ticks([p]));
  const p0 = ticks(postgresPids(db.dataDir));
  const t0 = Date.now();
  const peak = hubs.map(() => 0);
  let pgPeak = 0;
  while (Date.now() - t0 < WINDOW_S * 1000) {
    await sleep(1000);
    hubs.forEach((h, k) => (peak[k] = Math.max(peak[k] ?? 0, usage(h.child.pid ?? 0).rssKb)));
    pgPeak = Math.max(pgPeak, sum(postgresPids(db.dataDir)).rssKb);
  }
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = (seconds: number) => `CPU ${((seconds / elapsed) * 100).toFixed(1)} % of one core (${seconds.toFixed(1)} CPU s)`;
  const lines: string[] = [`measured window ${elapsed.toFixed(0)} s, heartbeat ${HEARTBEAT_MS / 1000} s; ${cpus().length} cores, load generators on the same machine`];
  for (const [k, hub] of hubs.entries()) {
    const m = await metricsOf(hub);
    const tokenChecks = `${m('moor_hub_token_checks_total') ?? '?'} tokens checked in ${m('moor_hub_token_lookups_total') ?? '?'} queries`;
    lines.push(`hub ${k}: ${m('moor_hub_agent_connections')} agents, ${cpu(cpuSeconds(h0[k] ?? new Map(), [hub.child.pid ?? 0]))}, RSS ${((peak[k] ?? 0) / 1024).toFixed(0)} MB peak${m('moor_hub_leader') === '1' ? ' (leader)' : ''}; `
      + `${tokenChecks}; host rows listed by the refresh ${m('moor_hub_absorb_rows_total')}, read in full (others' news) ${m('moor_hub_absorb_read_total')}`);
  }
  const pgNow = postgresPids(db.dataDir);
  lines.push(`PostgreSQL (${pgNow.length} processes): ${cpu(cpuSeconds(p0, pgNow))}, RSS ${(pgPeak / 1024).toFixed(0)} MB peak (sum; shared buffers counted per process)`);
  return lines;
}

async function main(): Promise<number> {
  const db = await freshDatabase();
  const tokens = await seedTokens(db);
  const hubs = await startHubs(db);
  process.stdout.write(`${AGENTS} agents over ${HUBS} hubs on one PostgreSQL${HUB_BUILD ? ` (hubs from ${HUB_BUILD})` : ''}\n`);
  const { lines: rampLines } = await ramp(db, hubs, tokens);
  const lines = [...rampLines, ...(await window(db, hubs))];
  for (const l of lines) process.stdout.write(`${l}\n`);
  await cleanup.run();
  if (SQLITE_AGENTS === 0) return 0;
  // Beside it, in the same run: the single hub on SQLite at 5,000 agents (bench/hub-load.ts).
  process.stdout.write(`\nThe single hub on SQLite, ${SQLITE_AGENTS} agents (bench/hub-load.js):\n`);
  const args = ['--agents', String(SQLITE_AGENTS), '--window', String(WINDOW_S), '--heartbeat', String(HEARTBEAT_MS / 1000), ...(HUB_BUILD ? ['--hub-build', HUB_BUILD] : [])];
  const child = spawn(process.execPath, [resolve(import.meta.dirname, 'hub-load.js'), ...args], { stdio: 'inherit' });
  cleanup.child(child);
  return new Promise((res) => child.once('exit', (code) => res(code ?? 1)));
}

main().then(async (code) => {
  await cleanup.run();
  process.exit(code);
}, async (err: unknown) => {
  process.stderr.write(`hub-load-pg failed: ${String(err)}\n`);
  await cleanup.run();
  process.stderr.write(`hub and load-generator logs kept in ${keptLogs}\n`);
  process.exit(1);
});
