// `npm run bench`: runs every benchmark in turn against its peer, prints the figures and rewrites
// docs/benchmarks.md with the machine, the date and each bar of BRIEF.md section 7 met or not.
// Needs the private test engine (test/bed/docker.sh) and the test images. `--only NAME,...` for a subset.

import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { footprintBench } from './footprint.js';
import { gitBench } from './git-poll.js';
import { killBench } from './kill9.js';
import { machine, Report } from './lib/report.js';
import { reconcileBench } from './reconcile.js';
import { SecondEngine } from '../test/drills/second-engine.js';

const REPO = resolve(import.meta.dirname, '../..');
const OUT = resolve(REPO, 'docs/benchmarks.md');
const NOTES = resolve(REPO, 'docs/footprint-notes.md');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : null;
const wanted = (name: string): boolean => only === null || only.has(name);

/** Runs another benchmark script (built JS) and returns what it printed. */
function runScript(file: string, args: string[], logFile: string): Promise<string> {
  return new Promise((done) => {
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', log] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (file !== '--test') process.stdout.write(c);
    });
    child.on('close', (code) => {
      appendFileSync(logFile, out);
      done(code === 0 ? out : `${out}\n(exited with ${code}; see ${logFile})`);
    });
  });
}

const shared = process.env['MOOR_TEST_DOCKER_SOCK'];
if (!shared) {
  process.stderr.write('bench: MOOR_TEST_DOCKER_SOCK is not set: run `bash test/bed/docker.sh start && bash test/bed/images.sh && eval "$(bash test/bed/docker.sh env)"` first (npm run bench does)\n');
  process.exit(2);
}
// A private engine of its own (images copied from the test engine), so that test runs restarting
// the shared engine cannot disturb the figures; MOOR_BENCH_OWN_ENGINE=0 uses the shared one.
const engine = process.env['MOOR_BENCH_OWN_ENGINE'] === '0' ? null : await SecondEngine.start('bench-engine');
const socket = engine?.socket ?? shared;
process.env['MOOR_TEST_DOCKER_SOCK'] = socket;
const started = Date.now();
/** Runs one benchmark; a failure is written into the report instead of ending the run. */
async function step(name: string, fn: () => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  try {
    await fn();
  } catch (err) {
    report.section(`${name}: FAILED`, ['```', err instanceof Error ? (err.stack ?? err.message) : String(err), '```']);
  }
}
const report = new Report();
const logDir = resolve(REPO, '.test-bed/logs');
mkdirSync(logDir, { recursive: true });

await step('reconcile', () => reconcileBench(report, { socket, rounds: Number(process.env['MOOR_BENCH_ROUNDS'] ?? 3) }));
await step('footprint', () => footprintBench(report, { socket, cycles: Number(process.env['MOOR_BENCH_CYCLES'] ?? 1000), idleSeconds: Number(process.env['MOOR_BENCH_IDLE_S'] ?? 600), pushes: Number(process.env['MOOR_BENCH_PUSHES'] ?? 50), diagCycles: Number(process.env['MOOR_BENCH_DIAG_CYCLES'] ?? 1000) }));
// The packaged binary, measured the same way, when `npm run package` has built it.
const binary = resolve(REPO, 'dist/moor');
if (wanted('footprint-binary') && !process.env['MOOR_BENCH_BINARY'] && existsSync(binary)) {
  process.env['MOOR_BENCH_BINARY'] = binary;
  await step('footprint-binary', () => footprintBench(report, { socket, cycles: Number(process.env['MOOR_BENCH_CYCLES'] ?? 1000), idleSeconds: Number(process.env['MOOR_BENCH_IDLE_S'] ?? 600), pushes: Number(process.env['MOOR_BENCH_PUSHES'] ?? 50), diagCycles: Number(process.env['MOOR_BENCH_DIAG_CYCLES'] ?? 1000) }));
  delete process.env['MOOR_BENCH_BINARY'];
}
await step('git', () => gitBench(report));
if (wanted('heartbeat') && existsSync(resolve(import.meta.dirname, 'heartbeat-sample.js'))) {
  const out = await runScript(resolve(import.meta.dirname, 'heartbeat-sample.js'), [], resolve(logDir, 'bench-heartbeat.log'));
  report.section('Heartbeat sampling (bench/heartbeat-sample.ts)', ['```', out.trim(), '```']);
  const p95 = Number(/p95 ([\d.]+) ms/.exec(out)?.[1] ?? NaN);
  report.bar({ what: 'heartbeat sampling', bar: '≤ 5 ms CPU per beat', measured: `p95 ${p95} ms`, met: Number.isFinite(p95) ? p95 <= 5 : null });
}
if (wanted('fleet-render') && existsSync(resolve(import.meta.dirname, 'fleet-render.js'))) {
  const out = await runScript(resolve(import.meta.dirname, 'fleet-render.js'), [], resolve(logDir, 'bench-fleet-render.log'));
  report.section('Fleet render, 500 hosts (bench/fleet-render.ts)', ['```', out.trim(), '```']);
  const cpuMs = Number(/\(([\d.]+) ms CPU\)/.exec(out)?.[1] ?? NaN);
  const peak = Number(/peak RSS ([\d.]+) MB/.exec(out)?.[1] ?? NaN);
  report.bar({ what: 'fleet render of 500 hosts', bar: '≤ 2 s, ≤ 200 MB', measured: `${cpuMs} ms CPU, ${peak} MB peak`, met: Number.isFinite(cpuMs) ? cpuMs <= 2000 && peak <= 200 : null });
}
if (wanted('hub-load') && existsSync(resolve(import.meta.dirname, 'hub-load.js'))) {
  const out = await runScript(resolve(import.meta.dirname, 'hub-load.js'), [], resolve(logDir, 'bench-hub-load.log'));
  report.section('Hub load (bench/hub-load.ts)', ['```', out.trim(), '```']);
  report.bar({ what: 'hub with 5,000 simulated agents', bar: 'one process, ≤ 25 % of one core, ≤ 500 MB', measured: 'see the hub load section', met: /\bFAIL\b/.test(out) ? false : /\bPASS\b/.test(out) ? true : null });
}
// The drills that prove the last two bars run in the suite; run them here too for the figures.
for (const [name, file, what, bar] of [
  ['hub-outage', 'test/e2e/drills/hub-outage.test.js', 'hub unreachable while 10,000 events happen', 'all 10,000 delivered after it returns, in order'],
  ['corpus', 'test/unit/corpus/corpus.test.js', 'malformed or hostile config commits (parser, 240+ cases)', 'none applied even partly; each error names file and key'],
  ['corpus', 'test/e2e/drills/hostile-commits.test.js', 'malformed or hostile config commits (20 through a real agent)', 'none applied even partly; each error names file and key'],
] as const) {
  if (!wanted(name)) continue;
  const t = performance.now();
  const out = await runScript('--test', [resolve(REPO, 'build', file)], resolve(logDir, `bench-${name}.log`));
  const pass = Number(/# pass (\d+)/.exec(out)?.[1] ?? 0);
  const fail = Number(/# fail (\d+)/.exec(out)?.[1] ?? 1);
  report.bar({ what, bar, measured: `${file}: ${pass} passed, ${fail} failed (${((performance.now() - t) / 1000).toFixed(0)} s)${fail > 0 ? `; see .test-bed/logs/bench-${name}.log` : ''}`, met: fail === 0 && pass > 0 });
}
await step('kill9', () => killBench(report, { socket, count: Number(process.env['MOOR_BENCH_KILLS'] ?? 100) }));
await engine?.stop();

if (!existsSync(binary)) {
  report.bar({ what: 'packaged binary (dist/moor)', bar: 'same bars as the agent', measured: 'not built: run `npm run package` first', met: null });
}

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const bars = [
  '| what | bar | measured | met |',
  '| --- | --- | --- | --- |',
  ...report.bars.map((b) => `| ${b.what} | ${b.bar} | ${b.measured} | ${b.met === null ? 'n/a' : b.met ? 'yes' : '**no**'} |`),
];
const doc = [
  '# moor benchmarks',
  '',
  `Written by \`npm run bench\` (bench/run.ts, on a private Docker engine of its own)${only ? ` with --only ${[...only].join(',')}` : ''}; the whole run took ${minutes} min. Figures, never asserts: each compares moor with a peer run in the same script on the same engine.`,
  '',
  '## Machine',
  '',
  ...machine(),
  '',
  '## Bars (BRIEF.md section 7)',
  '',
  ...bars,
  '',
  ...report.sections,
  // Hand-kept measurements the run does not repeat (A/B runs of the unit's settings, before/after).
  ...(existsSync(NOTES) ? ['', readFileSync(NOTES, 'utf8').trim(), ''] : []),
].join('\n');
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, doc);
process.stdout.write(`\nwrote ${OUT} (${minutes} min)\n`);
process.exit(0);
