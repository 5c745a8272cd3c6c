// Full garbage collections for a long-lived process that is idle most of the time. V8 grows its
// old generation before it collects it: a daemon that syncs once a minute holds 3 MB (node build)
// to 25 MB (binary) per 1,000 syncs of garbage for hours, given back only by a full collection
// (docs/benchmarks.md, footprint notes). The daemon asks for one after every 100th sync and when
// ten minutes have passed since the last, at a sync's end, when it has nothing else to do.
// `--expose-gc` is switched on at run time: a flag in NODE_OPTIONS would cost the binary its code cache.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null = null;

/** A full, synchronous garbage collection. */
export function fullCollection(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    if (typeof fn !== 'function') throw new Error('V8 did not expose gc');
    collect = () => void (fn as () => void)();
  }
  collect();
}

export interface MemoryReducerOptions {
  everySyncs: number;
  everyMs: number;
  now: () => number;
  collect: () => void;
}

export const MEMORY_REDUCER_DEFAULTS = { everySyncs: 100, everyMs: 10 * 60_000 };

/** Decides, at each sync's end, whether a full collection is due, and runs it. */
export class MemoryReducer {
  private syncs = 0;
  private last: number;

  constructor(private readonly options: MemoryReducerOptions) {
    this.last = options.now();
  }

  /** Called after each sync; true when it collected. */
  afterSync(): boolean {
    this.syncs++;
    const now = this.options.now();
    if (this.syncs < this.options.everySyncs && now - this.last < this.options.everyMs) return false;
    this.options.collect();
    this.syncs = 0;
    this.last = now;
    return true;
  }
}
