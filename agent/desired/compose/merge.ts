// Merging compose trees the way docker compose merges `-f a -f b`, overrides and `extends`
// (compose-go's override rules): maps are merged key by key; command, entrypoint and
// healthcheck.test are replaced; environment, labels, sysctls, extra_hosts, depends_on and
// networks merge as maps whatever syntax each side uses; other lists are appended, those that
// are sets without duplicates, mounts and ports keyed by their target. A merged key path is
// located in the file that contributed the deepest part of it.
import { isRecord } from './interpolate.js';
import type { KeyPath, Locator } from '../../config-text/problems.js';
import type { YamlFile } from '../../config-text/yaml-file.js';

const REPLACED = new Set(['command', 'entrypoint']);
const MAP_LIKE = new Set(['environment', 'labels', 'sysctls', 'extra_hosts', 'depends_on', 'networks', 'annotations']);
const SETS = new Set([
  'cap_add', 'cap_drop', 'dns', 'dns_opt', 'dns_search', 'env_file', 'expose', 'profiles', 'links', 'group_add',
  'security_opt', 'volumes_from', 'tmpfs', 'external_links', 'devices',
]);

/** Merges `over` onto `base`; `path` is where they sit in the compose tree. */
export function mergeCompose(base: unknown, over: unknown, path: readonly string[] = []): unknown {
  if (over === undefined || over === null) return base === undefined ? over : base;
  if (base === undefined || base === null) return over;
  const inService = path.length === 3 && path[0] === 'services';
  const key = path[path.length - 1] ?? '';
  if (inService) {
    if (REPLACED.has(key)) return over;
    if (MAP_LIKE.has(key)) return mergeMaps(toMap(base, key), toMap(over, key), path);
    if (key === 'logging' && isRecord(base) && isRecord(over) && base.driver !== undefined && over.driver !== undefined && base.driver !== over.driver) return over;
    if (Array.isArray(base) && Array.isArray(over)) {
      if (SETS.has(key)) return uniqueBy([...base, ...over], (v) => JSON.stringify(v));
      if (key === 'volumes' || key === 'secrets' || key === 'configs') return uniqueBy([...base, ...over], mountKey);
      if (key === 'ports') return uniqueBy([...base, ...over], (v) => JSON.stringify(v));
    }
  }
  if (path.length === 4 && path[0] === 'services' && path[2] === 'healthcheck' && key === 'test') return over;
  if (isRecord(base) && isRecord(over)) return mergeMaps(base, over, path);
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  return over;
}

function mergeMaps(base: Record<string, unknown>, over: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeCompose(base[k], v, [...path, k]) : v;
  return out;
}

/** A list form (`KEY=VALUE`, `host:ip`, service names) as the map it means. */
function toMap(value: unknown, key: string): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (!Array.isArray(value)) return {};
  const out: Record<string, unknown> = {};
  for (const item of value) {
    if (typeof item !== 'string') continue;
    if (key === 'depends_on' || key === 'networks') out[item] = null;
    else {
      const sep = key === 'extra_hosts' ? item.search(/[=:]/) : item.indexOf('=');
      if (sep < 0) out[item] = null;
      else out[item.slice(0, sep)] = item.slice(sep + 1);
    }
  }
  return out;
}

/** Where a volume, secret or config mount goes: later definitions of the same target win. */
function mountKey(item: unknown): string {
  if (typeof item === 'string') {
    const parts = item.split(':');
    return parts.length === 1 ? (parts[0] ?? '') : (parts[1] ?? '');
  }
  if (isRecord(item)) return String(item.target ?? item.source ?? '');
  return JSON.stringify(item);
}

function uniqueBy(items: unknown[], keyOf: (item: unknown) => string): unknown[] {
  const last = new Map<string, number>();
  items.forEach((item, i) => last.set(keyOf(item), i));
  return items.filter((item, i) => last.get(keyOf(item)) === i);
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
