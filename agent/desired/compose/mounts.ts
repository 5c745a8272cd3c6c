// Mounts of a compose service: `volumes` (short and long syntax) and `tmpfs`, as sorted
// MountSpecs; named volumes resolved to engine names, bind sources checked against policy.
import { posix } from 'node:path';
import { BYTE_SIZE_HINT, parseByteSize } from '../../config-text/byte-size.js';
import type { ServiceInput } from './schema.js';
import type { Report, ServiceContext, Take } from './service-context.js';
import * as syntax from './syntax.js';
import type { MountSpec } from '../model.js';
import { bindSourceRefusal } from '../policy.js';
import type { KeyPath } from '../../config-text/problems.js';
import { isUnder, normaliseAbsolute } from '../../config-text/safe-path.js';

export function mountsOf(
  input: ServiceInput,
  ctx: ServiceContext,
  report: Report,
  take: Take,
  more: readonly { mount: MountSpec; path: KeyPath }[] = [],
): MountSpec[] {
  const mounts: { mount: MountSpec; path: KeyPath }[] = [...more];
  const volume = (name: string, path: KeyPath): string => {
    const engineName = ctx.volumeNames.get(name);
    if (engineName === undefined) report(path, `volume "${name}" is not declared under top-level volumes`);
    return engineName ?? name;
  };
  const bind = (source: string, target: string, o: Omit<syntax.MountOptions, 'noCopy'>, path: KeyPath): void => {
    const resolved = take(resolveBindSource(source, ctx.projectDir), path);
    if (resolved === null) return;
    // The project directory is moor's own: binds inside it need no allowed root.
    const refusal = resolved.repoPath === null ? bindSourceRefusal(resolved.source, ctx.policy) : null;
    if (refusal) report(path, refusal);
    const mount: MountSpec = { type: 'bind', source: resolved.source, target, readOnly: o.readOnly, repoPath: resolved.repoPath, propagation: o.propagation, selinux: o.selinux };
    mounts.push({ mount, path });
  };
  (input.volumes ?? []).forEach((item, i) => {
    const path: KeyPath = ['volumes', i];
    if (typeof item === 'string') {
      const v = take(syntax.parseVolumeShort(item), path);
      if (v?.type === 'bind') bind(v.source, v.target, v, path);
      else if (v) {
        const source = v.volume === '' ? '' : volume(v.volume, path);
        mounts.push({ mount: { type: 'volume', source, target: v.target, readOnly: v.readOnly, noCopy: v.noCopy }, path });
      }
      return;
    }
    const target = take(absolute(item.target), [...path, 'target']);
    if (target === null) return;
    const readOnly = item.read_only ?? false;
    if (item.type === 'tmpfs') {
      const options: string[] = [];
      if (item.tmpfs?.size !== undefined) {
        const size = parseByteSize(item.tmpfs.size);
        if (size === null) report([...path, 'tmpfs', 'size'], BYTE_SIZE_HINT);
        else options.push(`size=${size}`);
      }
      if (item.tmpfs?.mode !== undefined) options.push(`mode=${item.tmpfs.mode.toString(8)}`);
      mounts.push({ mount: { type: 'tmpfs', target, options: options.join(',') }, path });
    } else if (item.type === 'bind') {
      if (item.source === undefined || item.source === '') report([...path, 'source'], 'a bind mount needs a source (a host path)');
      else bind(item.source, target, { readOnly, propagation: item.bind?.propagation ?? null, selinux: item.bind?.selinux ?? null }, [...path, 'source']);
    } else {
      // No source: an anonymous volume, as compose creates one.
      const source = item.source === undefined || item.source === '' ? '' : volume(item.source, [...path, 'source']);
      mounts.push({ mount: { type: 'volume', source, target, readOnly, noCopy: item.volume?.nocopy ?? false }, path });
    }
  });
  const tmpfs = input.tmpfs === undefined ? [] : typeof input.tmpfs === 'string' ? [input.tmpfs] : input.tmpfs;
  tmpfs.forEach((text, i) => {
    const path: KeyPath = typeof input.tmpfs === 'string' ? ['tmpfs'] : ['tmpfs', i];
    const colon = text.indexOf(':');
    const target = take(absolute(colon < 0 ? text : text.slice(0, colon)), path);
    if (target !== null) mounts.push({ mount: { type: 'tmpfs', target, options: colon < 0 ? '' : text.slice(colon + 1) }, path });
  });
  const seen = new Set<string>();
  for (const { mount, path } of mounts) {
    if (seen.has(mount.target)) report(path, `two mounts target ${mount.target}`);
    seen.add(mount.target);
  }
  return mounts.map((m) => m.mount).sort((a, b) => a.target.localeCompare(b.target));
}

/**
 * A bind source as an absolute host path: relative ones (`./data`, `.`, `data` in the long
 * syntax) resolve against the project directory as docker compose resolves them against the
 * project folder. `repoPath` is the path inside the project directory, or null outside it.
 */
export function resolveBindSource(source: string, projectDir: string): syntax.Parsed<{ source: string; repoPath: string | null }> {
  if (source.startsWith('~')) {
    return {
      ok: false,
      error: `bind source "${source}" starts with "~": moor runs as a service with no home directory of yours; use a path relative to the project (./data) or an absolute path`,
    };
  }
  if (posix.isAbsolute(source)) {
    const abs = absolute(source);
    if (!abs.ok) return abs;
    return { ok: true, value: { source: abs.value, repoPath: isUnder(abs.value, projectDir) ? repoRelative(projectDir, abs.value) : null } };
  }
  if (/[\0\n\r]/.test(source)) return { ok: false, error: `bind source "${source}" contains a control character` };
  const resolved = posix.normalize(posix.join(projectDir, source)).replace(/(.)\/+$/, '$1');
  if (!isUnder(resolved, projectDir)) {
    return {
      ok: false,
      error: `bind source "${source}" leaves the project directory (${projectDir}): relative paths must stay inside it; use an absolute path under policy.allowedBindRoots`,
    };
  }
  return { ok: true, value: { source: resolved, repoPath: repoRelative(projectDir, resolved) } };
}

function repoRelative(projectDir: string, abs: string): string {
  return posix.relative(projectDir, abs) || '.';
}

function absolute(p: string): syntax.Parsed<string> {
  const normal = normaliseAbsolute(p);
  return 'error' in normal ? { ok: false, error: `${normal.error}; use an absolute path` } : { ok: true, value: normal.path };
}

