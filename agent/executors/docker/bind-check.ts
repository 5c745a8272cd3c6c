// Bind sources checked on the host right before a container is created: the path is resolved
// (symlinks followed, as the engine will) and must still lie under policy.allowedBindRoots.
// The text check at load time cannot see a symlink another container planted under a root.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerSpec, VolumeSpec } from '../../desired/model.js';
import { isUnderAny } from '../../config-text/safe-path.js';
import { DockerError } from '../../contracts/errors.js';

/** The real path of `p`: its longest existing prefix resolved, the rest appended as written. */
export async function resolveOnHost(p: string): Promise<string> {
  let head = path.posix.normalize(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.posix.join(await realpath(head), ...rest.reverse());
    } catch {
      const parent = path.posix.dirname(head);
      if (parent === head) return path.posix.join(head, ...rest.reverse());
      rest.push(path.posix.basename(head));
      head = parent;
    }
  }
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const root of roots) {
    out.add(root);
    out.add(await resolveOnHost(root));
  }
  return [...out];
}

async function escape(kind: string, owner: string, source: string, roots: readonly string[]): Promise<DockerError | null> {
  const real = await resolveOnHost(source);
  if (isUnderAny(real, await realRoots(roots))) return null;
  return new DockerError(
    'BIND_ESCAPE',
    `${owner}: ${kind} ${source} resolves on the host to ${real}, outside policy.allowedBindRoots (${roots.join(', ') || 'none'}); refused`,
    { handling: 'commit', data: { source, real } },
  );
}

/** Throws a commit-failing DockerError naming the service and source of the first escape. */
export async function checkContainerBinds(spec: ContainerSpec, roots: readonly string[]): Promise<void> {
  for (const m of spec.mounts) {
    if (m.type !== 'bind') continue;
    const err = await escape('bind source', `service ${spec.service}`, m.source, roots);
    if (err) throw err;
  }
  for (const d of spec.devices) {
    const err = await escape('device', `service ${spec.service}`, d.hostPath, roots);
    if (err) throw err;
  }
}

/** A local volume whose driver_opts bind a host path: the device is resolved the same way. */
export async function checkVolumeBind(spec: VolumeSpec, roots: readonly string[]): Promise<void> {
  const opts = Object.fromEntries(Object.entries(spec.driverOpts).map(([k, v]) => [k.toLowerCase(), v]));
  const type = (opts.type ?? '').toLowerCase();
  const bind = /(^|,)\s*r?bind\s*(,|$)/i.test(opts.o ?? '') || type === 'none' || type === 'bind';
  if (!bind || opts.device === undefined || !opts.device.startsWith('/')) return;
  const err = await escape('volume device', `volume ${spec.key}`, opts.device, roots);
  if (err) throw err;
}
