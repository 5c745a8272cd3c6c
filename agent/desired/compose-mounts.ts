// Mounts of a compose service: `volumes` (short and long syntax) and `tmpfs`, as sorted
// MountSpecs; named volumes resolved to engine names, bind sources checked against policy.
import { BYTE_SIZE_HINT, parseByteSize } from './byte-size.js';
import type { ServiceInput } from './compose-schema.js';
import type { Report, ServiceContext, Take } from './compose-service.js';
import * as syntax from './compose-syntax.js';
import type { MountSpec } from './model.js';
import { bindSourceRefusal } from './policy.js';
import type { KeyPath } from './problems.js';
import { normaliseAbsolute } from './safe-path.js';

export function mountsOf(input: ServiceInput, ctx: ServiceContext, report: Report, take: Take): MountSpec[] {
  const mounts: { mount: MountSpec; path: KeyPath }[] = [];
  const volume = (name: string, path: KeyPath): string => {
    const engineName = ctx.volumeNames.get(name);
    if (engineName === undefined) report(path, `volume "${name}" is not declared under top-level volumes`);
    return engineName ?? name;
  };
  const bind = (source: string, path: KeyPath): void => {
    const refusal = bindSourceRefusal(source, ctx.policy);
    if (refusal) report(path, refusal);
  };
  (input.volumes ?? []).forEach((item, i) => {
    const path: KeyPath = ['volumes', i];
    if (typeof item === 'string') {
      const v = take(syntax.parseVolumeShort(item), path);
      if (v?.type === 'bind') bind(v.source, path);
      if (v) mounts.push({ mount: v.type === 'bind' ? v : { type: 'volume', source: volume(v.volume, path), target: v.target, readOnly: v.readOnly }, path });
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
    } else if (item.source === undefined || item.source === '') {
      report([...path, 'source'], `a ${item.type} mount needs a source`);
    } else if (item.type === 'bind') {
      const source = take(absolute(item.source), [...path, 'source']);
      if (source !== null) {
        bind(source, [...path, 'source']);
        mounts.push({ mount: { type: 'bind', source, target, readOnly }, path });
      }
    } else {
      mounts.push({ mount: { type: 'volume', source: volume(item.source, [...path, 'source']), target, readOnly }, path });
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

function absolute(p: string): syntax.Parsed<string> {
  const normal = normaliseAbsolute(p);
  return 'error' in normal ? { ok: false, error: `${normal.error}; use an absolute path` } : { ok: true, value: normal.path };
}

