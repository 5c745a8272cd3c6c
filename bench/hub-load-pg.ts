// Load benchmark of several `moor hub` processes on one PostgreSQL (the test bed's, postgres.sh):
// 20,000 simulated agents spread over the hubs on real loopback websockets, 15 s heartbeats in
// real time, a trickle of events. Prints each hub's CPU and RSS and PostgreSQL's (the sum of its
// processes from /proc; RSS counts shared buffers once per process, so it overstates).
// Then, in the same run, the single hub on SQLite at 5,000 agents (bench/hub-load.ts) for comparison.
// Run: eval "$(bash test/bed/postgres.sh env)"; node build/bench/hub-load-pg.js [--agents 20000] [--hubs 2] [--window 60]
//   [--per-client 7000] [--sqlite-agents 5000 | --no-sqlite]
// One descriptor per agent: the agents are spread over load-generator processes (hub-load-agents.ts),
// --per-client each, and the soft descriptor limit is raised to the hard one in the spawning shell.

import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { openPostgresStorage } from '../hub/storage/open.js';
import { withPassword } from '../hub/storage/postgres-exec.js';

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

if (!process.env['MOOR_BENCH_REEXEC']) {
  const r = spawnSync('bash', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, MOOR_BENCH_REEXEC: '1' },
  });
  process.exit(r.status ?? 1);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'moor-hub-load-pg-'));
const entry = resolve(import.meta.dirname, '../hub/dev-main.js');

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

async function freshDatabase(): Promise<{ url: string; passwordFile: string; password: string }> {
  const url = process.env['MOOR_TEST_PG_URL'];
  const passwordFile = process.env['MOOR_TEST_PG_PASSWORD_FILE'];
  if (!url || !passwordFile) throw new Error('run eval "$(bash test/bed/postgres.sh env)" first');
  const password = readFileSync(passwordFile, 'utf8').trim();
  const name = `moor_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: withPassword(url, password) });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return { url: u.toString(), passwordFile, password };
}

async function main(): Promise<void> {
  const db = await freshDatabase();
  const tokens: string[] = [];
  const storage = await openPostgresStorage(db.url, db.password);
  for (let i = 0; i < AGENTS; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, AGENTS - i) }, (_, k) => {
      const token = `moor_bench_${i + k}_${Math.random().toString(36).slice(2)}`;
      tokens[i + k] = token;
      return storage.hosts.addToken(`edge-${String(i + k).padStart(5, '0')}`, token, new Date());
    }));
  }
  await storage.close();
  writeFileSync(join(dir, 'metrics-token'), `${SCRAPE_TOKEN}\n`);
  const hubs: { child: ChildProcess; port: number }[] = [];
  for (let h = 0; h < HUBS; h++) {
    const port = 17000 + Math.floor(Math.random() * 2000) + h * 2000;
    const config = join(dir, `hub-${h}.yaml`);
    writeFileSync(config, `listen: 127.0.0.1:${port}\ndatabase: { url: "${db.url}", passwordFile: "${db.passwordFile}" }\nofflineAfter: 60s\nmetricsTokenFile: metrics-token\n`);
    const out = openSync(join(dir, `hub-${h}.log`), 'a');
    hubs.push({ child: spawn(process.execPath, [entry, 'hub', '--config', config], { stdio: ['ignore', out, out], env: { ...process.env, MOOR_LOG_LEVEL: 'warn' } }), port });
  }
  for (const hub of hubs) {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${hub.port}/healthz`)).ok) break;
      } catch {
        if (i > 600) throw new Error('hub did not start');
        await sleep(100);
      }
    }
  }
  const dataDir = resolve(process.env['MOOR_PG_BED_DIR'] ?? resolve(import.meta.dirname, '../../.test-bed/postgres'), 'data');
  // Agents spread over load-generator processes (hub-load-agents.ts), PER_CLIENT each: one descriptor per agent.
  const started = Date.now();
  const clients: ChildProcess[] = [];
  const connected: Promise<void>[] = [];
  for (let c = 0; c * PER_CLIENT < AGENTS; c++) {
    const share = Array.from({ length: Math.min(PER_CLIENT, AGENTS - c * PER_CLIENT) }, (_, k) => {
      const i = c * PER_CLIENT + k;
      return { i, host: `edge-${String(i).padStart(5, '0')}`, token: tokens[i] ?? '', port: hubs[i % HUBS]?.port ?? 0 };
    });
    const file = join(dir, `agents-${c}.json`);
    writeFileSync(file, JSON.stringify(share));
    const out = openSync(join(dir, `agents-${c}.log`), 'a');
    const child = fork(resolve(import.meta.dirname, 'hub-load-agents.js'), [file], { stdio: ['ignore', out, out, 'ipc'], env: { ...process.env, MOOR_BENCH_HEARTBEAT_MS: String(HEARTBEAT_MS) } });
    clients.push(child);
    connected.push(new Promise((res, rej) => {
      child.once('message', () => res());
      child.once('exit', (code) => rej(new Error(`load generator ${c} exited (${code}): ${readFileSync(join(dir, `agents-${c}.log`), 'utf8').slice(-500)}`)));
    }));
  }
  await Promise.all(connected);
  const connectS = (Date.now() - started) / 1000;
  await sleep(HEARTBEAT_MS + 2000);
  const pgPids = postgresPids(dataDir);
  const h0 = hubs.map((h) => usage(h.child.pid ?? 0));
  const p0 = ticks(pgPids);
  const t0 = Date.now();
  const peak = hubs.map(() => 0);
  let pgPeak = 0;
  while (Date.now() - t0 < WINDOW_S * 1000) {
    await sleep(1000);
    hubs.forEach((h, k) => (peak[k] = Math.max(peak[k] ?? 0, usage(h.child.pid ?? 0).rssKb)));
    pgPeak = Math.max(pgPeak, sum(postgresPids(dataDir)).rssKb);
  }
  const elapsed = (Date.now() - t0) / 1000;
  const pct = (a: Usage, b: Usage) => ((b.cpuTicks - a.cpuTicks) / 100 / elapsed) * 100;
  const lines: string[] = [`${AGENTS} agents over ${HUBS} hubs on one PostgreSQL (connected in ${connectS.toFixed(1)} s); heartbeat ${HEARTBEAT_MS / 1000} s; window ${elapsed.toFixed(0)} s; ${cpus().length} cores, load generator on the same machine`];
  for (let k = 0; k < HUBS; k++) {
    const hub = hubs[k];
    if (!hub) continue;
    const text = await (await fetch(`http://127.0.0.1:${hub.port}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
    const conns = text.split('\n').find((l) => l.startsWith('moor_hub_agent_connections '))?.split(' ').pop();
    const leader = text.split('\n').find((l) => l.startsWith('moor_hub_leader '))?.split(' ').pop();
    const listed = text.split('\n').find((l) => l.startsWith('moor_hub_absorb_rows_total '))?.split(' ').pop();
    const read = text.split('\n').find((l) => l.startsWith('moor_hub_absorb_read_total '))?.split(' ').pop();
    lines.push(`hub ${k}: ${conns} agents, CPU ${pct(h0[k] ?? { cpuTicks: 0, rssKb: 0 }, usage(hub.child.pid ?? 0)).toFixed(1)} % of one core, RSS ${((peak[k] ?? 0) / 1024).toFixed(0)} MB peak${leader === '1' ? ' (leader)' : ''}; host rows listed by the refresh ${listed}, read in full (others' news) ${read}`);
  }
  const pgNow = postgresPids(dataDir);
  lines.push(`PostgreSQL (${pgNow.length} processes): CPU ${(ticksSince(p0, ticks(pgNow)) / elapsed).toFixed(1)} % of one core, RSS ${(pgPeak / 1024).toFixed(0)} MB peak (sum; shared buffers counted per process)`);
  for (const l of lines) process.stdout.write(`${l}\n`);
  for (const c of clients) c.kill('SIGKILL');
  for (const h of hubs) h.child.kill('SIGTERM');
  await Promise.all(hubs.map((h) => new Promise((r) => h.child.once('exit', r))));
  rmSync(dir, { recursive: true, force: true });
  if (SQLITE_AGENTS > 0) {
    // Beside it, in the same run: the single hub on SQLite at 5,000 agents (bench/hub-load.ts).
    process.stdout.write(`\nThe single hub on SQLite, ${SQLITE_AGENTS} agents (bench/hub-load.js):\n`);
    const r = spawnSync(process.execPath, [resolve(import.meta.dirname, 'hub-load.js'), '--agents', String(SQLITE_AGENTS), '--window', String(WINDOW_S), '--heartbeat', String(HEARTBEAT_MS / 1000)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`hub-load-pg failed: ${String(err)}\n`);
  process.exit(1);
});
