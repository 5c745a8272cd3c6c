// The control socket's diagnostic verb `gc` (bench/footprint.ts): a full garbage collection, then
// the process's memory figures, so that a benchmark can tell V8 postponing full GCs (heap sizing)
// from memory that stays reachable (a leak). Refused unless the agent runs with MOOR_DIAGNOSTICS=1.
// The collection is memory-reducer.ts's (`--expose-gc` switched on at run time).

import { readFileSync } from 'node:fs';
import { MoorError } from '../contracts/errors.js';
import { fullCollection } from '../memory-reducer.js';

export type { MemoryFigures } from '../contracts/control-protocol.js';
import type { MemoryFigures } from '../contracts/control-protocol.js';

export class DiagnosticsOffError extends MoorError {
  constructor() {
    super('DIAGNOSTICS_OFF', 'diagnostic verbs need MOOR_DIAGNOSTICS=1 in the agent\'s environment', { handling: 'fatal' });
  }
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
  fullCollection();
  fullCollection();
  return { before, after: memoryFigures() };
}
