// The host's policy (agent.yaml `policy:`) applied to what a commit asks for: privileged
// containers, dangerous capabilities, bind mounts, devices and managed file paths.
// Each check returns a refusal message or null; callers pin it to the key it came from.
import type { PolicySettings } from '../settings/model.js';
import { isUnderAny, normaliseAbsolute } from './safe-path.js';

const PRIVILEGED_CAPS = new Set(['ALL', 'SYS_ADMIN']);

export function privilegedRefusal(privileged: boolean, policy: PolicySettings): string | null {
  return privileged && !policy.allowPrivileged ? 'privileged containers are refused by policy (policy.allowPrivileged)' : null;
}

/** `cap` is normalised (upper case, no `CAP_` prefix). */
export function capAddRefusal(cap: string, policy: PolicySettings): string | null {
  return PRIVILEGED_CAPS.has(cap) && !policy.allowPrivileged
    ? `capability ${cap} is refused by policy (policy.allowPrivileged)`
    : null;
}

function underRoots(kind: string, p: string, roots: readonly string[], setting: string): string | null {
  const normal = normaliseAbsolute(p);
  if ('error' in normal) return `${kind} ${normal.error}`;
  if (isUnderAny(normal.path, roots)) return null;
  const allowed = roots.length > 0 ? roots.join(', ') : 'none';
  return `${kind} ${normal.path} is outside the allowed roots (${setting}: ${allowed})`;
}

export function bindSourceRefusal(source: string, policy: PolicySettings): string | null {
  return underRoots('bind mount source', source, policy.allowedBindRoots, 'policy.allowedBindRoots');
}

export function deviceRefusal(hostPath: string, policy: PolicySettings): string | null {
  return underRoots('device', hostPath, policy.allowedBindRoots, 'policy.allowedBindRoots');
}

export function filePathRefusal(p: string, policy: PolicySettings): string | null {
  return underRoots('file path', p, policy.allowedFileRoots, 'policy.allowedFileRoots');
}

/** Setuid, setgid or sticky bits on a managed file are privilege: refused unless allowPrivileged. */
export function fileModeRefusal(mode: number, policy: PolicySettings): string | null {
  if ((mode & 0o7000) === 0 || policy.allowPrivileged) return null;
  return `setuid, setgid or sticky bits (${(mode & 0o7777).toString(8).padStart(4, '0')}) are refused by policy (policy.allowPrivileged)`;
}

/** `pid:`/`ipc:` joining the host's or another container's namespace. */
export function namespaceRefusal(key: 'pid' | 'ipc', value: string, policy: PolicySettings): string | null {
  const shared = value === 'host' || value.startsWith('container:') || value.startsWith('service:');
  if (!shared || policy.allowPrivileged) return null;
  return `${key}: ${value} shares a namespace outside the container and is refused by policy (policy.allowPrivileged)`;
}

/** `security_opt` entries loosen or replace the container's confinement. */
export function securityOptRefusal(value: string, policy: PolicySettings): string | null {
  if (policy.allowPrivileged) return null;
  return `security_opt "${value}" is refused by policy (policy.allowPrivileged)`;
}
