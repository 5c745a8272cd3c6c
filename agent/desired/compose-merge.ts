// Merging several compose files the way `docker compose -f a -f b` does, simplified: maps
// are merged key by key, lists and scalars of later files replace earlier ones. A merged
// key path is located in the file that contributed the deepest part of it.
import { isRecord } from './interpolate.js';
import type { KeyPath, Locator } from './problems.js';
import type { YamlFile } from './yaml-file.js';

export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
  return out;
}

export function mergedLocator(files: readonly YamlFile[], fallbackFile: string): Locator {
  return {
    locate(path: KeyPath) {
      let best: YamlFile | undefined;
      let bestDepth = -1;
      for (const f of files) {
        const depth = f.depthOf(path);
        if (depth >= bestDepth) {
          best = f;
          bestDepth = depth;
        }
      }
      return best ? best.locate(path) : { file: fallbackFile, line: 1 };
    },
  };
}
