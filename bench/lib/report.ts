// Shared pieces of the benchmarks: the report they fill (sections, tables, bars), the machine it
// ran on, figures of a process read from /proc, and small statistics. Figures only, no asserts.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface Bar {
  what: string;
  bar: string;
  measured: string;
  /** null: not measured here (e.g. the packaged binary, measured by packaging). */
  met: boolean | null;
}

export class Report {
  readonly sections: string[] = [];
  readonly bars: Bar[] = [];
  section(title: string, lines: string[]): void {
    const text = `## ${title}\n\n${lines.join('\n')}\n`;
    this.sections.push(text);
    process.stdout.write(`\n${text}`);
  }
  bar(b: Bar): void {
    this.bars.push(b);
    process.stdout.write(`BAR ${b.what}: ${b.measured} (bar ${b.bar}) ${b.met === null ? 'n/a' : b.met ? 'MET' : 'NOT MET'}\n`);
  }
}

export function table(header: string[], rows: (string | number)[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function tryRun(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0] ?? '';
  } catch {
    return 'n/a';
  }
}

export function machine(): string[] {
  const cpu = cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- CPU: ${cpu.length} x ${cpu[0]?.model ?? 'unknown'}`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- kernel: ${tryRun('uname', ['-sr'])}; OS: ${/PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown'}`,
    `- node: ${process.version}; dockerd: ${tryRun('dockerd', ['--version'])}; ${tryRun('docker-compose', ['version', '--short']).replace(/^/, 'docker-compose ')}`,
  ];
}

const TICK_MS = 1000 / Number(tryRun('getconf', ['CLK_TCK']) || 100);

/** RSS (bytes) and CPU time (ms, user+system) of a process, from /proc. */
export function procFigures(pid: number): { rss: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rss: rssKb * 1024, cpuMs: ticks * TICK_MS };
}

/** RSS and its split from /proc/PID/smaps_rollup: anonymous (heaps, arenas) and file-backed (code, data) = Rss - Anonymous. */
export function memSplit(pid: number): { rss: number; anon: number; file: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const rss = Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
  const anon = Number(/^Anonymous:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
  return { rss, anon, file: rss - anon };
}
export const split = (m: { rss: number; anon: number; file: number }): string => `${mb(m.rss)} (anon ${mb(m.anon)}, file ${mb(m.file)})`;

export const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
export const ms = (x: number): string => `${x.toFixed(0)} ms`;

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}
export const median = (values: number[]): number => quantile(values, 0.5);

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export function sleep(msec: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msec));
}
