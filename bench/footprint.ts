// The agent's footprint with 20 managed containers and the hub connected: start to first sync,
// RSS and CPU over 1,000 sync cycles (driven through the control socket), idle CPU with 60 s polls,
// and push -> converged through the hub's git webhook; a diagnostic run with forced GCs (the `gc`
// control verb, MOOR_DIAGNOSTICS=1) that tells heap sizing from leaks; then, with the agent stopped,
// the one-shot CLI against docker-compose and bare node (bench/cli-footprint.ts).
// MOOR_BENCH_BINARY=dist/moor measures the binary; MOOR_BENCH_DIAG_CYCLES (default 1000) sets the
// length of the diagnostic run (10000 for the long one).

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentProcess } from '../test/bed/agent-process.js';
import { MAIN } from '../test/bed/agent-process.js';
import { DrillHost, stackCompose } from '../test/drills/drill-host.js';
import { hubFixture } from '../test/integration/hub/hub-process.js';
import { callAgent } from '../agent/control/client.js';
import type { MemoryFigures } from '../agent/control/diagnostics.js';
import { cliFootprint } from './cli-footprint.js';
import { mb, median, memSplit, ms, procFigures, quantile, Report, sleep, split, table } from './lib/report.js';

const SERVICES = 20;

/**
 * The environment systemd/moor.service gives the agent (its `Environment=` lines), so that the
 * figures are those of the agent as it runs on a host; MOOR_BENCH_UNIT_ENV=0 measures without.
 */
export function unitEnvironment(): Record<string, string> {
  if (process.env['MOOR_BENCH_UNIT_ENV'] === '0') return {};
  const unit = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../systemd/moor.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) if (m[1] && m[2] !== undefined) env[m[1]] = m[2];
  return env;
}

function spawnAgent(config: string, logFile: string): AgentProcess {
  const binary = process.env['MOOR_BENCH_BINARY'];
  const fd = openSync(logFile, 'a');
  const env = { ...process.env, ...unitEnvironment(), MOOR_LOG_LEVEL: 'warn', MOOR_DIAGNOSTICS: '1' };
  const child = binary
    ? spawn(resolve(binary), ['agent', '--config', config], { stdio: ['ignore', fd, fd], env })
    : spawn(process.execPath, [MAIN, 'agent', '--config', config], { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  let done = false;
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => ((done = true), r(code))));
  return {
    child,
    logFile,
    exited: () => done,
    stop: async () => (done || child.kill('SIGTERM'), exit),
    kill9: async () => {
      if (!done) child.kill('SIGKILL');
      await exit;
    },
  };
}

/** Forced full GCs before and after `cycles` more no-op syncs: growth of what stays reachable. */
async function gcDiagnostic(socket: string, sync: () => Promise<unknown>, cycles: number): Promise<string[][]> {
  const gc = async (): Promise<MemoryFigures> => (await callAgent(socket, { verb: 'gc' })).after;
  const a = await gc();
  for (let i = 0; i < cycles; i++) await sync();
  const b = await gc();
  const per1000 = (x: number, y: number): string => mb(((y - x) / cycles) * 1000);
  return [
    [`after a forced GC, before the diagnostic run`, `RSS ${mb(a.rss)} (anon ${mb(a.anonymous)}, file ${mb(a.fileBacked)}), heap used ${mb(a.heapUsed)} of ${mb(a.heapTotal)}, external ${mb(a.external)}`],
    [`after ${cycles} more cycles and a forced GC`, `RSS ${mb(b.rss)} (anon ${mb(b.anonymous)}, file ${mb(b.fileBacked)}), heap used ${mb(b.heapUsed)} of ${mb(b.heapTotal)}, external ${mb(b.external)}`],
    ['growth per 1,000 cycles after forced GCs (leak check)', `RSS ${per1000(a.rss, b.rss)}, heap used ${per1000(a.heapUsed, b.heapUsed)}, external ${per1000(a.external, b.external)}`],
  ];
}

export async function footprintBench(report: Report, options: { socket: string; cycles: number; idleSeconds: number; pushes: number; diagCycles: number }): Promise<void> {
  const hub = await hubFixture();
  await hub.start();
  const host = `bench-fp-${process.pid}`;
  const tokenFile = join(hub.dir, 'agent-token');
  writeFileSync(tokenFile, `${hub.addToken(host)}\n`);
  const drill = await DrillHost.create({
    host,
    project: 'fp',
    dockerSocket: options.socket,
    intervalMs: 60_000,
    extraYaml: `hub: { url: "ws://127.0.0.1:${hub.port}/agent", tokenFile: ${tokenFile}, heartbeat: 15s }\n`,
  });
  const unitEnv = Object.entries(unitEnvironment()).map(([k, v]) => `${k}=${v}`).join(' ');
  const what = `${process.env['MOOR_BENCH_BINARY'] ? `the packaged binary ${process.env['MOOR_BENCH_BINARY']}` : '`node build/moor.cjs agent`'}${unitEnv ? ` with the unit's ${unitEnv}` : ''}`;
  try {
    let head = await drill.commit({ 'compose.yaml': stackCompose('fp', SERVICES, () => ({ V: '0' })) }, 'twenty services');
    drill.agent = spawnAgent(drill.config, join(drill.dir, 'agent-0.log'));
    await drill.waitApplied(head, 120_000);

    // Start to first sync under way: spawn until the agent's first request reaches git.
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await drill.agent.stop();
      drill.server.resetStats();
      const t0 = performance.now();
      drill.agent = spawnAgent(drill.config, join(drill.dir, `agent-${i + 1}.log`));
      while (drill.server.stats().requests === 0 && performance.now() - t0 < 10_000) await sleep(1);
      starts.push(performance.now() - t0);
      await drill.waitApplied(head);
    }
    const pid = drill.agent.child.pid ?? 0;
    const hubLinked = async (): Promise<boolean> => {
      for (let i = 0; i < 100; i++) {
        if ((await drill.status()).hub?.connected) return true;
        await sleep(100);
      }
      return false;
    };
    const linked = await hubLinked();

    // 1,000 sync cycles (each: one git round trip, observe 20 containers, plan, nothing to do).
    for (let i = 0; i < 10; i++) await drill.sync();
    const at0 = procFigures(pid);
    let at100 = at0;
    const t0 = performance.now();
    for (let i = 1; i <= options.cycles; i++) {
      await drill.sync();
      if (i === 100) at100 = procFigures(pid);
    }
    const cyclesMs = performance.now() - t0;
    const atEnd = procFigures(pid);
    const steadySplit = memSplit(pid);
    const diagnostic = await gcDiagnostic(drill.socket, () => drill.sync(), options.diagCycles);
    const growthPer1000 = ((atEnd.rss - at100.rss) / Math.max(1, options.cycles - 100)) * 1000;

    // Idle: the 60 s poll and the 15 s heartbeat only.
    await sleep(3000);
    const idle0 = procFigures(pid);
    await sleep(options.idleSeconds * 1000);
    const idle1 = procFigures(pid);
    const idlePct = ((idle1.cpuMs - idle0.cpuMs) / (options.idleSeconds * 1000)) * 100;

    // Push -> converged through the hub webhook.
    const secret = hub.secret;
    const latencies: number[] = [];
    for (let i = 1; i <= options.pushes; i++) {
      head = await drill.commit({ 'compose.yaml': stackCompose('fp', SERVICES, (s) => ({ V: s === i % SERVICES ? `p${i}` : '0' })) }, `push ${i}`);
      const body = JSON.stringify({ ref: `refs/heads/${drill.branch}`, after: head });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const t = performance.now();
      const res = await fetch(`${hub.url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature } });
      await res.arrayBuffer();
      for (;;) {
        const s = await drill.status();
        if (s.revision.applied === head && s.state !== 'syncing') break;
        if (performance.now() - t > 30_000) throw new Error(`push ${i} did not converge`);
        await sleep(10);
      }
      latencies.push(performance.now() - t);
    }
    const final = procFigures(pid);
    const finalSplit = memSplit(pid);

    // The one-shot CLI with the agent stopped, against docker-compose, and bare node.
    await drill.agent.stop();
    const configDir = join(drill.dir, 'config-dir');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'compose.yaml'), stackCompose('fp', SERVICES, () => ({ V: '0' })));
    const cli = await cliFootprint({ socket: options.socket, config: drill.config, configDir, services: SERVICES, gitRequests: () => drill.server.stats().requests, resetGit: () => drill.server.resetStats() });

    report.section(`Agent footprint: ${what}, ${SERVICES} containers, hub ${linked ? 'connected' : 'NOT connected'}`, [
      ...table(['figure', 'value'], [
        ['start to first sync under way (spawn -> first git request), median of 5', `${ms(median(starts))} (all: ${starts.map((s) => s.toFixed(0)).join(', ')})`],
        ['RSS after warm-up (10 cycles)', mb(at0.rss)],
        ['RSS after 100 cycles', mb(at100.rss)],
        [`RSS after ${options.cycles} cycles (anonymous / file-backed from smaps_rollup)`, split(steadySplit)],
        ['RSS growth per 1,000 cycles (from cycle 100 on)', mb(growthPer1000)],
        [`CPU per no-op sync cycle (${options.cycles} cycles, ${(cyclesMs / 1000).toFixed(1)} s)`, `${((atEnd.cpuMs - at0.cpuMs) / options.cycles).toFixed(1)} ms CPU, ${(cyclesMs / options.cycles).toFixed(1)} ms wall`],
        [`idle CPU over ${options.idleSeconds} s (60 s polls, 15 s heartbeats${options.idleSeconds < 600 ? '; shortened from 10 min by MOOR_BENCH_IDLE_S' : ''})`, `${idlePct.toFixed(3)} % of one core (${(idle1.cpuMs - idle0.cpuMs).toFixed(0)} ms CPU)`],
        [`push -> converged via the hub webhook, ${options.pushes} pushes (one env change each)`, `p50 ${ms(quantile(latencies, 0.5))}, p95 ${ms(quantile(latencies, 0.95))}, max ${ms(Math.max(...latencies))}`],
        ...diagnostic,
        ['RSS at the end', split(finalSplit)],
      ]),
      '',
      'RSS and CPU are the agent process\'s own, from /proc. The one-shot CLI with the agent stopped (wall time from spawn to exit, peak RSS from /usr/bin/time), in the same run:',
      '',
      ...cli.lines,
    ]);
    const steady = Math.max(at100.rss, atEnd.rss, final.rss);
    const who = process.env['MOOR_BENCH_BINARY'] ? ' (binary)' : ' (node build)';
    report.bar({ what: `${'agent RSS, steady state, 20 containers, hub connected'}${who}`, bar: '≤ 56 MB; < 2 MB growth over 1,000 cycles', measured: `${mb(steady)} max; growth ${mb(growthPer1000)} per 1,000 cycles${linked ? '' : ' (hub NOT connected)'}`, met: steady <= 56 * 2 ** 20 && growthPer1000 < 2 * 2 ** 20 && linked });
    report.bar({ what: `${'agent start to first sync under way'}${who}`, bar: '≤ 250 ms', measured: `${ms(median(starts))} median`, met: median(starts) <= 250 });
    report.bar({ what: `${'agent CPU while idle, polling every 60 s'}${who}`, bar: '≤ 0.1 % of one core', measured: `${idlePct.toFixed(3)} % over ${options.idleSeconds} s`, met: idlePct <= 0.1 });
    report.bar({ what: `one-shot \`moor sync --once\` when nothing changed${who}`, bar: '≤ 0.5 × docker-compose up -d doing nothing', measured: `${ms(cli.onceMs)} vs ${ms(cli.composeMs)}: ${(cli.onceMs / cli.composeMs).toFixed(2)} ×`, met: cli.onceMs <= 0.5 * cli.composeMs });
    report.bar({ what: `${'push → converged with the hub webhook'}${who}`, bar: '≤ 1.5 s p95', measured: `p95 ${ms(quantile(latencies, 0.95))}, p50 ${ms(quantile(latencies, 0.5))} over ${options.pushes}`, met: quantile(latencies, 0.95) <= 1500 });
  } finally {
    await drill.close();
    await hub.kill();
  }
}
