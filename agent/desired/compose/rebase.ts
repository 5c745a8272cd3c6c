// Relative paths of a file loaded from a subfolder (an `include`d project, an `extends` base in
// another folder) rewritten against the config dir, as compose-go resolves them against that
// file's own project directory: binds, build contexts, env_file, extends.file, secrets/configs.
import { posix } from 'node:path';
import { isRecord } from './interpolate.js';

/** `tree` (a compose file's mapping) with its relative paths moved under `dir`; `''` leaves it alone. */
export function rebaseComposePaths(tree: Record<string, unknown>, dir: string): Record<string, unknown> {
  if (dir === '' || dir === '.') return tree;
  const out: Record<string, unknown> = { ...tree };
  if (isRecord(tree.services)) {
    const services: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(tree.services)) services[name] = isRecord(def) ? rebaseService(def, dir) : def;
    out.services = services;
  }
  for (const section of ['secrets', 'configs'] as const) {
    const defs = tree[section];
    if (!isRecord(defs)) continue;
    const rebased: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(defs)) rebased[name] = isRecord(def) && typeof def.file === 'string' ? { ...def, file: rebasePath(def.file, dir) } : def;
    out[section] = rebased;
  }
  return out;
}

/** One service definition with its relative paths moved under `dir`. */
export function rebaseService(def: Record<string, unknown>, dir: string): Record<string, unknown> {
  if (dir === '' || dir === '.') return def;
  const out: Record<string, unknown> = { ...def };
  if (Array.isArray(def.volumes)) out.volumes = def.volumes.map((v: unknown) => rebaseVolume(v, dir));
  if (typeof def.build === 'string') out.build = rebaseContext(def.build, dir);
  else if (isRecord(def.build)) out.build = { ...def.build, context: rebaseContext(typeof def.build.context === 'string' ? def.build.context : '.', dir) };
  if (def.env_file !== undefined) out.env_file = rebaseEnvFile(def.env_file, dir);
  if (isRecord(def.extends) && typeof def.extends.file === 'string') out.extends = { ...def.extends, file: rebasePath(def.extends.file, dir) };
  return out;
}

/**
 * `p` relative to the config dir. Absolute and `~` paths stay as written; a path that climbs out
 * of the config dir keeps its `..` so the usual checks refuse it with the path in the message.
 */
export function rebasePath(p: string, dir: string): string {
  if (dir === '' || dir === '.' || p === '' || posix.isAbsolute(p) || p.startsWith('~')) return p;
  const joined = posix.normalize(posix.join(dir, p));
  if (joined === '..' || joined.startsWith('../')) return `${dir}/${p}`;
  return joined;
}

/** A short-syntax bind (`./conf:/etc/x:ro`) keeps its `./` so it still reads as a path. */
function rebaseVolume(v: unknown, dir: string): unknown {
  if (typeof v === 'string') {
    if (!v.startsWith('.')) return v;
    const colon = v.indexOf(':');
    const source = colon < 0 ? v : v.slice(0, colon);
    const rest = colon < 0 ? '' : v.slice(colon);
    return `${asDotPath(rebasePath(source, dir))}${rest}`;
  }
  if (isRecord(v) && v.type === 'bind' && typeof v.source === 'string') return { ...v, source: rebasePath(v.source, dir) };
  return v;
}

function rebaseContext(context: string, dir: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@') || context.startsWith('github.com/') ? context : rebasePath(context, dir);
}

function rebaseEnvFile(value: unknown, dir: string): unknown {
  const one = (entry: unknown): unknown => {
    if (typeof entry === 'string') return rebasePath(entry, dir);
    if (isRecord(entry) && typeof entry.path === 'string') return { ...entry, path: rebasePath(entry.path, dir) };
    return entry;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

function asDotPath(p: string): string {
  return p.startsWith('.') || p.startsWith('/') || p.startsWith('~') ? p : `./${p}`;
}
