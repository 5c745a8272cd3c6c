// Rendering a 500-host fleet (50 sites of 10 hosts, one group per site, 3 shared stacks):
// time, hosts per second and the process's peak memory, for the pure render and for render
// plus the agent's validation of every tree (what `moor fleet check` does).
// The command itself (`moor fleet render --out DIR`: read the checkout, render, validate each
// combination of stacks, write every tree) is timed first, as a process under /usr/bin/time.
// Run: node build/bench/fleet-render.js [--hosts 500]. Bar: ≤ 2 s and ≤ 200 MB for the render.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { ProblemList } from '../agent/config-text/problems.js';
import { defaultPolicy } from '../agent/desired/default-policy.js';
import { parseFleet } from '../fleet/definition.js';
import { validateRendered } from '../fleet/fleet.js';
import { sourceFromFiles } from '../fleet/read-source.js';
import { createRenderer, type RenderedHost } from '../fleet/render.js';
import { fleetFiles, PER_SITE, writeFleet } from './fleet-files.js';

const arg = process.argv.indexOf('--hosts');
const HOSTS = arg >= 0 ? Number(process.argv[arg + 1]) : 500;

function render(files: Map<string, Buffer>): RenderedHost[] {
  const source = sourceFromFiles(files);
  const problems = new ProblemList();
  const fleet = parseFleet(source, problems);
  const renderer = createRenderer(fleet, source.stacks, { policy: defaultPolicy() }, problems);
  const out = fleet.hosts.map((h) => renderer.render(h));
  if (!problems.empty) throw new Error(`fleet invalid: ${JSON.stringify(problems.items.slice(0, 3))}`);
  return out;
}

/** `moor fleet render` of the fleet written to a scratch checkout, as its own process. */
function renderCommand(files: Map<string, Buffer>): { wallMs: number; cpuMs: number; userMs: number; sysMs: number; peakKb: number; treeDirs: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-bench-fleet-'));
  try {
    writeFleet(path.join(dir, 'repo'), files);
    const main = path.resolve(import.meta.dirname, '../agent/main.js');
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', process.execPath, main, 'fleet', 'render', '--repo', path.join(dir, 'repo'), '--out', path.join(dir, 'out')], { encoding: 'utf8' });
    const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
    if (r.status !== 0 || !m) throw new Error(`moor fleet render failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const treeDirs = spawnSync('ls', [path.join(dir, 'out')], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== '').length;
    return { wallMs: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000, userMs: Number(m[2]) * 1000, sysMs: Number(m[3]) * 1000, peakKb: Number(m[4]), treeDirs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const files = fleetFiles(HOSTS);
const command = renderCommand(files);
if (command.treeDirs !== HOSTS) throw new Error(`moor fleet render wrote ${command.treeDirs} host trees, not ${HOSTS}`);
const rssBefore = process.memoryUsage().rss;
let t = performance.now();
let cpu = process.cpuUsage();
const rendered = render(files);
const renderMs = performance.now() - t;
const renderCpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
cpu = process.cpuUsage();
const renderPeakKb = process.resourceUsage().maxRSS;
const bytes = rendered.reduce((n, h) => n + [...h.tree.values()].reduce((m, b) => m + b.length, 0), 0);
t = performance.now();
const problems = await validateRendered(rendered, defaultPolicy());
const checkMs = performance.now() - t;
const checkCpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
if (problems.length > 0) throw new Error(`rendered trees invalid: ${JSON.stringify(problems.slice(0, 3))}`);
const out = [
  `moor fleet render --out DIR (the command: node start, read, render, validate each stack combination, write ${HOSTS} trees): ${command.wallMs.toFixed(0)} ms wall (${command.cpuMs.toFixed(0)} ms CPU), peak RSS ${mb(command.peakKb * 1024)}; CPU is ${command.userMs.toFixed(0)} ms user + ${command.sysMs.toFixed(0)} ms system (creating ${HOSTS} folders of files: the disk's share, large when other work loads it)`,
  `fleet: ${HOSTS} hosts, ${Math.ceil(HOSTS / PER_SITE)} sites (one group each), 3 shared stacks; ${mb(bytes)} of rendered trees`,
  `machine: ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)} (wall time suffers from other load; CPU time much less)`,
  `render (pure, in memory): ${renderMs.toFixed(0)} ms wall (${renderCpuMs.toFixed(0)} ms CPU), ${Math.round((HOSTS / renderMs) * 1000)} hosts/s, peak RSS ${mb(renderPeakKb * 1024)} (node itself ${mb(rssBefore)} before)`,
  `render + validate every tree (fleet check): ${(renderMs + checkMs).toFixed(0)} ms wall (${(renderCpuMs + checkCpuMs).toFixed(0)} ms CPU), ${Math.round((HOSTS / (renderMs + checkMs)) * 1000)} hosts/s, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
  `render CPU rate: ${Math.round((HOSTS / renderCpuMs) * 1000)} hosts/s`,
  `bar for the command: ≤ 2000 ms and ≤ 200 MB peak: wall ${command.wallMs <= 2000 ? 'MET' : 'NOT MET'}, CPU ${command.cpuMs <= 2000 ? 'MET' : 'NOT MET'}, memory ${command.peakKb * 1024 <= 200 * 1024 * 1024 ? 'MET' : 'NOT MET'}`,
  `bar for the pure render in memory: ≤ 2000 ms and ≤ 200 MB peak: wall ${renderMs <= 2000 ? 'MET' : 'NOT MET'}, CPU ${renderCpuMs <= 2000 ? 'MET' : 'NOT MET'}, memory ${renderPeakKb * 1024 <= 200 * 1024 * 1024 ? 'MET' : 'NOT MET'}`,
];
process.stdout.write(`${out.join('\n')}\n`);
