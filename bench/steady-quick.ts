// A quick steady-state figure of the agent (node build) for A/B work on issue 15: 20 containers,
// no hub, about 30 s. The agent applies the commit, is restarted (as bench/footprint.ts does
// before it measures), runs 50 no-op syncs, then a forced GC (MOOR_DIAGNOSTICS=1, the `gc` verb):
// RSS, its anon/file split, heap, CPU seconds; then three no-op `sync --once` (wall, peak RSS).
// MOOR_QUICK_MAIN=path/to/moor.cjs measures another build (the "before" one);
// MOOR_QUICK_NO_RESTART=1 measures the agent that applied the commit, as a host runs after a new
// commit (the loader of that commit loaded), instead of a restarted one;
// MOOR_QUICK_MODULES=file lists the modules the restarted agent loads (a separate run);
// MOOR_QUICK_BINARY=dist/moor measures a packaged binary instead of the node build;
// MOOR_QUICK_ONCE_NODE_ARGS='--cpu-prof ...' gives node options to the `sync --once` runs;
// MOOR_QUICK_HUB=1 connects the agent to a real hub;
// MOOR_QUICK_SMAPS=file copies the agent's /proc/PID/smaps there after the forced GC.

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MAIN } from '../test/bed/agent-process.js';
import { DrillHost, sleep, stackCompose } from '../test/drills/drill-host.js';
import { callAgent } from '../agent/control/client.js';
import { timedRun, type Timed } from './cli-footprint.js';
import { mb, memSplit, procFigures } from './lib/report.js';
import { unitEnvironment } from './footprint.js';
import { hubFixture } from '../test/integration/hub/hub-process.js';

const AGENT_MAIN = process.env['MOOR_QUICK_MAIN'] ? resolve(process.env['MOOR_QUICK_MAIN']) : MAIN;
const BINARY = process.env['MOOR_QUICK_BINARY'] ? resolve(process.env['MOOR_QUICK_BINARY']) : null;

/** The command line of `moor ARGS`: the binary's, or node's with the build's entry. */
function moorCommand(args: string[], hook: string[] = []): [string, string[]] {
  return BINARY ? [BINARY, args] : [process.execPath, [...hook, AGENT_MAIN, ...args]];
}

function startAgent(drill: DrillHost, n: number): void {
  // Only the measured agent's modules (the restarted one, unless MOOR_QUICK_NO_RESTART).
  const measured = process.env['MOOR_QUICK_NO_RESTART'] === '1' ? 0 : 1;
  const modules = n === measured ? process.env['MOOR_QUICK_MODULES'] : undefined;
  // The trace hook runs in a loader thread of its own: a run that lists modules is not one that measures RSS.
  const hook = modules ? ['--import', resolve(MAIN, '../../bench/lib/trace-modules.js')] : process.env['MOOR_QUICK_REQUIRE'] ? ['--require', process.env['MOOR_QUICK_REQUIRE']] : [];
  const fd = openSync(join(drill.dir, `agent-${n}.log`), 'a');
  const env = { ...process.env, ...unitEnvironment(), MOOR_LOG_LEVEL: 'warn', MOOR_DIAGNOSTICS: '1', ...(modules ? { MOOR_TRACE_MODULES: modules } : {}) };
  const [file, args] = moorCommand(['agent', '--config', drill.config], hook);
  const child = spawn(file, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  let done = false;
  const exit = new Promise<void>((r) => child.on('exit', () => ((done = true), r())));
  drill.agent = { child, logFile: join(drill.dir, `agent-${n}.log`), exited: () => done, stop: async () => (done || child.kill('SIGTERM'), exit.then(() => null)), kill9: async () => (child.kill('SIGKILL'), exit) };
}

async function main(): Promise<void> {
  const socket = process.env['MOOR_TEST_DOCKER_SOCK'];
  if (!socket) throw new Error('start the test bed first (MOOR_TEST_DOCKER_SOCK)');
  // MOOR_QUICK_HUB=1: the agent reports to a real hub (15 s heartbeats), as in bench/footprint.ts.
  const hub = process.env['MOOR_QUICK_HUB'] === '1' ? await hubFixture() : null;
  await hub?.start();
  const host = `quick-${process.pid}`;
  let extraYaml = '';
  if (hub) {
    const tokenFile = join(hub.dir, 'agent-token');
    writeFileSync(tokenFile, `${hub.addToken(host)}\n`);
    extraYaml = `hub: { url: "ws://127.0.0.1:${hub.port}/agent", tokenFile: ${tokenFile}, heartbeat: 15s }\n`;
  }
  const drill = await DrillHost.create({ host, project: 'fpq', dockerSocket: socket, intervalMs: 60_000, extraYaml });
  try {
    const head = await drill.commit({ 'compose.yaml': stackCompose('fpq', 20, () => ({ V: '0' })) }, 'twenty services');
    startAgent(drill, 0);
    await drill.waitApplied(head, 120_000);
    let firstPoll = NaN;
    if (process.env['MOOR_QUICK_NO_RESTART'] !== '1') {
      await drill.agent?.stop();
      drill.server.resetStats();
      const t0 = performance.now();
      startAgent(drill, 1);
      while (drill.server.stats().requests === 0 && performance.now() - t0 < 20_000) await sleep(1);
      firstPoll = performance.now() - t0;
    }
    await drill.waitApplied(head);
    while (hub && !(await drill.status()).hub?.connected) await sleep(20);
    const pid = drill.agent?.child.pid ?? 0;
    for (let i = 0; i < 50; i++) await drill.sync();
    const before = procFigures(pid);
    const gc = (await callAgent(drill.socket, { verb: 'gc' })).after;
    const split = memSplit(pid);
    const smaps = process.env['MOOR_QUICK_SMAPS'];
    if (smaps) writeFileSync(smaps, readFileSync(`/proc/${pid}/smaps`));
    console.log(`start to first poll ${firstPoll.toFixed(0)} ms; CPU after 50 syncs ${(before.cpuMs / 1000).toFixed(2)} s; RSS before GC ${mb(before.rss)}`);
    console.log(`after a forced GC: RSS ${mb(gc.rss)} (anon ${mb(split.anon)}, file ${mb(split.file)}), heap used ${mb(gc.heapUsed)} of ${mb(gc.heapTotal)}`);
    await drill.agent?.stop();
    const once: Timed[] = [];
    for (let i = 0; i < 3; i++) once.push(await timedRun(...moorCommand(['sync', '--once', '--config', drill.config], (process.env['MOOR_QUICK_ONCE_NODE_ARGS'] ?? '').split(' ').filter(Boolean))));
    if (once.some((t) => t.code !== 0)) throw new Error(`sync --once failed: ${once.map((t) => t.out).join('\n')}`);
    console.log(`no-op sync --once, agent stopped: ${once.map((t) => t.ms.toFixed(0)).join(' / ')} ms, peak RSS ${mb(Math.max(...once.map((t) => t.maxRss)))}`);
  } finally {
    await drill.close();
    await hub?.kill();
  }
}

await main();
