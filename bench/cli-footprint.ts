// The one-shot CLI next to its peers (bench/footprint.ts calls it with the agent stopped): a no-op
// `moor sync --once` of 20 services against `docker-compose up -d` doing nothing on the same stack,
// the start-up of the read-only verbs, and bare `node -e 0`, all measured in the same run, with
// wall time and peak RSS from /usr/bin/time.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN } from '../test/bed/agent-process.js';
import { stackCompose } from '../test/drills/drill-host.js';
import { mb, median, memSplit, ms, split, table } from './lib/report.js';

export interface Timed {
  ms: number;
  maxRss: number;
  code: number | null;
  out: string;
}

/** Runs FILE ARGS under /usr/bin/time: wall ms (ours) and peak RSS (the kernel's, via wait4). */
export function timedRun(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve) => {
    const t = performance.now();
    execFile('/usr/bin/time', ['-f', 'MAXRSS %M', file, ...args], { env, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      const wall = performance.now() - t;
      const kb = Number(/MAXRSS (\d+)/.exec(stderr)?.[1] ?? 0);
      const code = err && typeof err.code === 'number' ? err.code : err ? null : 0;
      resolve({ ms: wall, maxRss: kb * 1024, code, out: `${stdout}${stderr}` });
    });
  });
}

/** The command line of `moor ARGS`: the binary when MOOR_BENCH_BINARY is set, else the node build. */
export function moorCommand(args: string[]): [string, string[]] {
  const binary = process.env['MOOR_BENCH_BINARY'];
  return binary ? [binary, args] : [process.execPath, [MAIN, ...args]];
}

async function medianOf(n: number, run: () => Promise<Timed>): Promise<{ ms: number; maxRss: number; all: Timed[] }> {
  const all: Timed[] = [];
  for (let i = 0; i < n; i++) all.push(await run());
  return { ms: median(all.map((t) => t.ms)), maxRss: Math.max(...all.map((t) => t.maxRss)), all };
}

function compose(socket: string, dir: string, args: string[]): Promise<Timed> {
  return timedRun('docker-compose', ['-p', 'fpcompose', '-f', join(dir, 'docker-compose.yml'), ...args], { ...process.env, DOCKER_HOST: `unix://${socket}` });
}

/** Bare node: RSS and its split 200 ms after start, idle, and the wall time of `node -e 0`. */
export async function bareNode(): Promise<{ rss: { rss: number; anon: number; file: number }; startMs: number }> {
  const rss = await new Promise<{ rss: number; anon: number; file: number }>((done) => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 400)'], { stdio: 'ignore' });
    setTimeout(() => done(memSplit(child.pid ?? 0)), 250);
  });
  const start = await medianOf(5, () => timedRun(process.execPath, ['-e', '0']));
  return { rss, startMs: start.ms };
}

export interface CliFigures {
  lines: string[];
  onceMs: number;
  composeMs: number;
}

/**
 * With the agent stopped (its state and git checkout in place, the stack applied): the no-op
 * `sync --once` five times, `docker-compose up -d` doing nothing three times on a copy of the
 * stack (project fpcompose, torn down after), then status/history/plan/validate/version.
 */
export async function cliFootprint(options: { socket: string; config: string; configDir: string; services: number; gitRequests: () => number; resetGit: () => void }): Promise<CliFigures> {
  const run = (args: string[]): Promise<Timed> => {
    const [file, argv] = moorCommand(args);
    return timedRun(file, argv, { ...process.env, MOOR_LOG_LEVEL: 'warn' });
  };
  const gitPerOnce: number[] = [];
  const once = await medianOf(5, async () => {
    options.resetGit();
    const t = await run(['sync', '--once', '--config', options.config]);
    gitPerOnce.push(options.gitRequests());
    if (t.code !== 0 || !/^unchanged/m.test(t.out)) throw new Error(`sync --once: exit ${t.code}: ${t.out}`);
    return t;
  });
  const dir = mkdtempSync(join(tmpdir(), 'moor-fp-compose-'));
  let up: Awaited<ReturnType<typeof medianOf>>;
  try {
    writeFileSync(join(dir, 'docker-compose.yml'), stackCompose('fpcompose', options.services, () => ({ V: '0' }), false));
    const first = await compose(options.socket, dir, ['up', '-d']);
    if (first.code !== 0) throw new Error(`docker-compose up -d: ${first.out}`);
    up = await medianOf(3, () => compose(options.socket, dir, ['up', '-d']));
  } finally {
    await compose(options.socket, dir, ['down', '-t', '1']);
    rmSync(dir, { recursive: true, force: true });
  }
  const verbs: [string, string[]][] = [
    ['version', ['version']],
    ['status (agent stopped)', ['status', '--config', options.config]],
    ['history', ['history', '--config', options.config]],
    ['plan (agent stopped)', ['plan', '--config', options.config]],
    ['validate', ['validate', options.configDir]],
  ];
  const rows: string[][] = [
    ['`sync --once`, no-op, 20 services', ms(once.ms), mb(once.maxRss), `git requests per run: ${gitPerOnce.join(', ')}`],
    ['`docker-compose up -d`, doing nothing, same stack', ms(up.ms), mb(up.maxRss), `ratio moor / compose ${(once.ms / up.ms).toFixed(2)}`],
  ];
  for (const [name, args] of verbs) {
    const t = await medianOf(3, () => run(args));
    rows.push([`\`moor ${name}\``, ms(t.ms), mb(t.maxRss), `exit ${t.all.map((x) => x.code).join('/')}`]);
  }
  const bare = await bareNode();
  rows.push(['bare `node -e 0`', ms(bare.startMs), split(bare.rss), 'RSS 250 ms after start, idle']);
  return { lines: table(['command', 'wall (median)', 'peak RSS', 'notes'], rows), onceMs: once.ms, composeMs: up.ms };
}
