// Rendering a 500-host fleet (50 sites of 10 hosts, one group per site, 3 shared stacks).
// The command itself (`moor fleet render --out DIR`: node start, read the checkout, render,
// validate every host's tree, write every tree) runs as a process under /usr/bin/time, --runs
// times (median and range printed): wall, CPU (user + system), peak RSS, hosts per second, and
// what it wrote. Peers in the same run, for scale: `cp -r` of the rendered output (the disk's
// cost of the same files and folders) and `moor validate` of one host's tree (one process).
// `--before BUILD` times an earlier build's `moor fleet render` the same way, alternating with
// this one, and checks that both wrote the same bytes. Then, in this process: the pure render
// in memory and the validation of every tree in memory, for the CPU split.
// Run: node build/bench/fleet-render.js [--hosts 500] [--runs 3] [--before DIR/build]. Bar: ≤ 2 s, ≤ 200 MB.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { ProblemList } from '../agent/config-text/problems.js';
import { defaultPolicy } from '../agent/desired/default-policy.js';
import { parseFleet } from '../fleet/definition.js';
import { validateRendered } from '../fleet/fleet.js';
import { sourceFromFiles } from '../fleet/read-source.js';
import { createRenderer, type RenderedHost } from '../fleet/render.js';
import { fleetFiles, PER_SITE, writeFleet } from './fleet-files.js';

const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const HOSTS = Number(option('--hosts') ?? 500);
const RUNS = Number(option('--runs') ?? 3);
const BEFORE = option('--before');

function render(files: Map<string, Buffer>): RenderedHost[] {
  const source = sourceFromFiles(files);
  const problems = new ProblemList();
  const fleet = parseFleet(source, problems);
  const renderer = createRenderer(fleet, source.stacks, { policy: defaultPolicy() }, problems);
  const out = fleet.hosts.map((h) => renderer.render(h));
  if (!problems.empty) throw new Error(`fleet invalid: ${JSON.stringify(problems.items.slice(0, 3))}`);
  return out;
}

interface Timed {
  wallMs: number;
  userMs: number;
  sysMs: number;
  peakKb: number;
}

/** Runs `argv` under /usr/bin/time; throws when it fails. */
function timed(argv: string[]): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', ...argv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { wallMs: Number(m[1]) * 1000, userMs: Number(m[2]) * 1000, sysMs: Number(m[3]) * 1000, peakKb: Number(m[4]) };
}

/** Files, folders, bytes and a digest (paths and contents, sorted) of what is below `root`. */
function written(root: string): { files: number; dirs: number; bytes: number; digest: string } {
  const hash = createHash('sha256');
  let files = 0;
  let dirs = 0;
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      if (statSync(abs).isDirectory()) {
        dirs++;
        walk(abs);
      } else {
        const data = readFileSync(abs);
        files++;
        bytes += data.length;
        hash.update(`${path.relative(root, abs)}\0`).update(data).update('\0');
      }
    }
  };
  walk(root);
  return { files, dirs, bytes, digest: hash.digest('hex') };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

interface Series {
  runs: Timed[];
  out: ReturnType<typeof written>;
}

function summary(label: string, s: Series): string {
  const wall = median(s.runs.map((r) => r.wallMs));
  const cpu = median(s.runs.map((r) => r.userMs + r.sysMs));
  const walls = s.runs.map((r) => r.wallMs);
  const peak = Math.max(...s.runs.map((r) => r.peakKb));
  return (
    `${label}: ${wall.toFixed(0)} ms wall (${cpu.toFixed(0)} ms CPU), peak RSS ${mb(peak * 1024)}, ${Math.round((HOSTS / wall) * 1000)} hosts/s; ` +
    `median of ${s.runs.length} (wall ${Math.min(...walls).toFixed(0)}-${Math.max(...walls).toFixed(0)} ms; CPU per run ${s.runs.map((r) => `${r.userMs.toFixed(0)} user + ${r.sysMs.toFixed(0)} sys`).join(', ')}); ` +
    `wrote ${s.out.files} files in ${s.out.dirs} folders, ${mb(s.out.bytes)}`
  );
}

const files = fleetFiles(HOSTS);
const scratch = mkdtempSync(path.join(tmpdir(), 'moor-bench-fleet-'));
const lines: string[] = [];
try {
  const repo = path.join(scratch, 'repo');
  writeFleet(repo, files);
  const builds: [string, string][] = [['now', path.resolve(import.meta.dirname, '..')]];
  if (BEFORE !== undefined) builds.push(['before', path.resolve(BEFORE)]);
  const series = new Map<string, Series>();
  for (let run = 0; run < RUNS; run++) {
    for (const [name, build] of builds) {
      // A fresh folder each run, all removed at the end: deleting thousands of files here slows the
      // next run's creates for seconds (the disk discards what was freed), which is not render's cost.
      const out = path.join(scratch, `out-${name}-${run}`);
      const t = timed([process.execPath, path.join(build, 'moor.cjs'), 'fleet', 'render', '--repo', repo, '--out', out]);
      const s = series.get(name) ?? { runs: [], out: written(out) };
      s.runs.push(t);
      series.set(name, s);
    }
  }
  const now = series.get('now');
  if (!now) throw new Error('no run');
  const last = path.join(scratch, `out-now-${RUNS - 1}`);
  if (readdirSync(last).length !== HOSTS) throw new Error(`moor fleet render did not write ${HOSTS} host trees`);
  lines.push(summary(`moor fleet render --out DIR (the command: node start, read, render, validate every host's tree, write ${HOSTS} trees)`, now));
  const before = series.get('before');
  if (before) {
    lines.push(summary(`the same command, build ${BEFORE}`, before));
    lines.push(`output of both builds byte-identical: ${before.out.digest === now.out.digest ? 'yes' : `NO (${before.out.digest} vs ${now.out.digest})`}`);
  }
  const cp = timed(['cp', '-r', last, path.join(scratch, 'out-copy')]);
  lines.push(`peer: cp -r of the rendered output (same files and folders, same disk): ${cp.wallMs.toFixed(0)} ms wall (${(cp.userMs + cp.sysMs).toFixed(0)} ms CPU: ${cp.userMs.toFixed(0)} user + ${cp.sysMs.toFixed(0)} sys)`);
  const one = readdirSync(last).sort()[0] ?? '';
  const validate = timed([process.execPath, path.resolve(import.meta.dirname, '../moor.cjs'), 'validate', path.join(last, one)]);
  lines.push(`peer: moor validate of one host's tree (one process): ${validate.wallMs.toFixed(0)} ms wall (${(validate.userMs + validate.sysMs).toFixed(0)} ms CPU), peak RSS ${mb(validate.peakKb * 1024)}; the render above costs ${(median(now.runs.map((r) => r.wallMs)) / validate.wallMs).toFixed(1)} of these for ${HOSTS} hosts`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const rssBefore = process.memoryUsage().rss;
let t = performance.now();
let cpu = process.cpuUsage();
const rendered = render(files);
const renderMs = performance.now() - t;
const renderCpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
cpu = process.cpuUsage();
const bytes = rendered.reduce((n, h) => n + [...h.tree.values()].reduce((m, b) => m + b.length, 0), 0);
t = performance.now();
const problems = await validateRendered(rendered, defaultPolicy());
const checkMs = performance.now() - t;
const checkCpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
if (problems.length > 0) throw new Error(`rendered trees invalid: ${JSON.stringify(problems.slice(0, 3))}`);
const cmdWall = Number(/: (\d+) ms wall/.exec(lines[0] ?? '')?.[1]);
const cmdCpu = Number(/\((\d+) ms CPU\)/.exec(lines[0] ?? '')?.[1]);
const cmdPeak = Number(/peak RSS ([\d.]+) MB/.exec(lines[0] ?? '')?.[1]);
lines.push(
  `fleet: ${HOSTS} hosts, ${Math.ceil(HOSTS / PER_SITE)} sites (one group each), 3 shared stacks; ${mb(bytes)} of rendered trees`,
  `machine: ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)} at the end (wall time suffers from other load, and creating files from other disk work)`,
  `in this process: render (pure, in memory) ${renderMs.toFixed(0)} ms wall (${renderCpuMs.toFixed(0)} ms CPU), ${Math.round((HOSTS / renderMs) * 1000)} hosts/s; validate every tree in memory ${checkMs.toFixed(0)} ms wall (${checkCpuMs.toFixed(0)} ms CPU), ${Math.round((HOSTS / checkMs) * 1000)} hosts/s; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} (node and this bench ${mb(rssBefore)} before)`,
  `bar for the command (≤ 2000 ms, ≤ 200 MB): wall ${cmdWall <= 2000 ? 'MET' : 'NOT MET'}, CPU ${cmdCpu <= 2000 ? 'MET' : 'NOT MET'}, memory ${cmdPeak <= 200 ? 'MET' : 'NOT MET'}`,
);
process.stdout.write(`${lines.join('\n')}\n`);
