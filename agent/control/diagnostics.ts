// The control socket's diagnostic verb `gc` (bench/footprint.ts): a full garbage collection, then
// the process's memory figures, so that a benchmark can tell V8 postponing full GCs (heap sizing)
// from memory that stays reachable (a leak). Refused unless the agent runs with MOOR_DIAGNOSTICS=1.
// No V8 flag on the command line or in NODE_OPTIONS: those make the binary reject its code cache;
// `--expose-gc` is switched on at run time, on the first request only.

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MoorError } from '../contracts/errors.js';

export type { MemoryFigures } from '../contracts/control-protocol.js';
import type { MemoryFigures } from '../contracts/control-protocol.js';

export class DiagnosticsOffError extends MoorError {
  constructor() {
    super('DIAGNOSTICS_OFF', 'diagnostic verbs need MOOR_DIAGNOSTICS=1 in the agent\'s environment', { handling: 'fatal' });
  }
}

let collect: (() => void) | null = null;

function gcFunction(): () => void {
  if (collect) return collect;
  setFlagsFromString('--expose-gc');
  const fn: unknown = runInNewContext('gc');
  if (typeof fn !== 'function') throw new Error('V8 did not expose gc');
  collect = (): void => void (fn as () => void)();
  return collect;
}

export function memoryFigures(): MemoryFigures {
  const usage = process.memoryUsage();
  let anonymous = 0;
  let rss = usage.rss;
  try {
    const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
    rss = Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024 || rss;
    anonymous = Number(/^Anonymous:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
  } catch {
    // not Linux: the split stays unknown
  }
  return { rss, anonymous, fileBacked: anonymous > 0 ? rss - anonymous : 0, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers };
}

/** Forces a full GC (twice: weak callbacks free more on the second) and reports memory after. */
export function collectGarbage(env: NodeJS.ProcessEnv): { before: MemoryFigures; after: MemoryFigures } {
  if (env.MOOR_DIAGNOSTICS !== '1') throw new DiagnosticsOffError();
  const before = memoryFigures();
  const gc = gcFunction();
  gc();
  gc();
  return { before, after: memoryFigures() };
}
