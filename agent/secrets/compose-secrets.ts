// Compose `secrets:` whose `file:` is an `.age` file: taken out of the compose value before the
// compose loader sees it (moor mounts them itself, from a tmpfs), with who uses them and how.
import type { KeyPath, Locator, ProblemList } from '../config-text/problems.js';
import { normaliseRelative } from '../config-text/safe-path.js';

export interface SecretUse {
  service: string;
  /** Key under top-level `secrets:`. */
  name: string;
  /** Repo path of the `.age` file. */
  file: string;
  /** Absolute path inside the container. */
  target: string;
  uid: number | null;
  gid: number | null;
  mode: number;
}

/** Compose's default: readable by anyone in the container, as docker compose mounts file secrets. */
export const DEFAULT_SECRET_MODE = 0o444;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns the compose value without the `.age` secrets and the uses found. */
export function takeAgeSecrets(merged: unknown, locator: Locator, problems: ProblemList): { value: unknown; uses: SecretUse[]; files: string[] } {
  if (!isRecord(merged) || !isRecord(merged['secrets'])) return { value: merged, uses: [], files: [] };
  const files = new Map<string, string>();
  const kept: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(merged['secrets'])) {
    const file = isRecord(def) && typeof def['file'] === 'string' ? def['file'] : null;
    if (file === null || !file.endsWith('.age')) {
      kept[name] = def;
      continue;
    }
    const rel = normaliseRelative(file);
    if ('error' in rel) problems.add(locator, ['secrets', name, 'file'], rel.error);
    else files.set(name, rel.path);
    const extra = Object.keys(def as Record<string, unknown>).filter((k) => k !== 'file' && k !== 'name');
    for (const k of extra) problems.add(locator, ['secrets', name, k], `not supported for an .age secret (only file:)`);
  }
  if (files.size === 0) return { value: merged, uses: [], files: [] };
  const uses: SecretUse[] = [];
  const services: Record<string, unknown> = {};
  for (const [service, def] of Object.entries(isRecord(merged['services']) ? merged['services'] : {})) {
    services[service] = isRecord(def) && Array.isArray(def['secrets']) ? withoutAgeSecrets(service, def, files, uses, locator, problems) : def;
  }
  const value: Record<string, unknown> = { ...merged, services };
  if (Object.keys(kept).length > 0) value['secrets'] = kept;
  else delete value['secrets'];
  return { value, uses, files: [...new Set(files.values())].sort() };
}

function withoutAgeSecrets(
  service: string,
  def: Record<string, unknown>,
  files: ReadonlyMap<string, string>,
  uses: SecretUse[],
  locator: Locator,
  problems: ProblemList,
): Record<string, unknown> {
  const list = def['secrets'] as unknown[];
  const rest: unknown[] = [];
  list.forEach((item, i) => {
    const name = typeof item === 'string' ? item : isRecord(item) && typeof item['source'] === 'string' ? item['source'] : null;
    const file = name === null ? undefined : files.get(name);
    if (name === null || file === undefined) {
      rest.push(item);
      return;
    }
    const at: KeyPath = ['services', service, 'secrets', i];
    const use = secretUse(service, name, file, isRecord(item) ? item : {}, (path, message) => problems.add(locator, [...at, ...path], message));
    if (use) uses.push(use);
  });
  const out = { ...def };
  if (rest.length > 0) out['secrets'] = rest;
  else delete out['secrets'];
  return out;
}

function secretUse(service: string, name: string, file: string, long: Record<string, unknown>, report: (path: KeyPath, message: string) => void): SecretUse | null {
  for (const k of Object.keys(long)) if (!['source', 'target', 'uid', 'gid', 'mode'].includes(k)) report([k], 'unsupported key');
  const rawTarget = typeof long['target'] === 'string' ? long['target'] : name;
  const target = rawTarget.startsWith('/') ? rawTarget : `/run/secrets/${rawTarget}`;
  if (target.split('/').includes('..')) {
    report(['target'], 'must not contain ".."');
    return null;
  }
  const uid = idOf(long['uid'], ['uid'], report);
  const gid = idOf(long['gid'], ['gid'], report);
  const mode = modeOf(long['mode'], report);
  if (uid === undefined || gid === undefined || mode === null) return null;
  return { service, name, file, target, uid, gid, mode };
}

function idOf(raw: unknown, at: KeyPath, report: (path: KeyPath, message: string) => void): number | null | undefined {
  if (raw === undefined) return null;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) {
    report(at, 'must be a numeric id, e.g. "1000"');
    return undefined;
  }
  return Number(text);
}

/** `0440` (a YAML 1.1 octal number, as compose reads it), "0440" or "0o440". */
function modeOf(raw: unknown, report: (path: KeyPath, message: string) => void): number | null {
  if (raw === undefined) return DEFAULT_SECRET_MODE;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 0o777) return raw;
  const text = typeof raw === 'string' ? raw.replace(/^0o/, '') : '';
  if (!/^0?[0-7]{1,3}$/.test(text)) {
    report(['mode'], 'must be an octal mode such as 0400 or "0440"');
    return null;
  }
  return parseInt(text, 8);
}
