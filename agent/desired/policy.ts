// The host's policy (agent.yaml `policy:`) applied to what a commit asks for: an allow-list of
// what reaches beyond a plain container (capabilities, host namespaces, external and non-local
// volumes), bind mounts, devices, managed file paths and systemd units.
// Each check returns a refusal message or null; callers pin it to the key it came from.
import type { AllowSwitches, PolicySettings, UnitsPolicy } from './policy-settings.js';
import type { NetworkSpec, VolumeSpec } from './model.js';
import { isUnderAny, normaliseAbsolute } from '../config-text/safe-path.js';

/** The capabilities Docker gives every container (moby's default set): cap_add of these is a no-op. */
export const DOCKER_DEFAULT_CAPS: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

export const DEFAULT_ALLOW: Readonly<AllowSwitches> = Object.freeze({
  capabilities: [],
  hostNetwork: true,
  hostPid: false,
  hostIpc: false,
  foreignContainers: false,
  external: false,
  volumeDrivers: [],
  volumeBindOutsideRoots: false,
  securityOpt: false,
});

export const DEFAULT_UNITS: Readonly<UnitsPolicy> = Object.freeze({ install: 'own', dropInsFor: [], maskOrStop: [] });

export function allowOf(policy: PolicySettings): Readonly<AllowSwitches> {
  return policy.allow ?? DEFAULT_ALLOW;
}

export function unitsPolicyOf(policy: PolicySettings): Readonly<UnitsPolicy> {
  return policy.units ?? DEFAULT_UNITS;
}

const PRIV = 'policy.allowPrivileged';

export function privilegedRefusal(privileged: boolean, policy: PolicySettings): string | null {
  return privileged && !policy.allowPrivileged ? `privileged containers are refused by policy (${PRIV})` : null;
}

/** `cap` is normalised (upper case, no `CAP_` prefix). */
export function capAddRefusal(cap: string, policy: PolicySettings): string | null {
  if (policy.allowPrivileged || DOCKER_DEFAULT_CAPS.has(cap)) return null;
  if (cap === 'ALL') return `capability ALL is refused by policy (${PRIV})`;
  if (allowOf(policy).capabilities.includes(cap)) return null;
  return `capability ${cap} is beyond Docker's default set and refused by policy (list it in policy.allow.capabilities)`;
}

/** `network_mode` as written or resolved (`host`, `container:NAME` ...). */
export function networkModeRefusal(mode: string | null, policy: PolicySettings): string | null {
  if (mode !== 'host' || policy.allowPrivileged || allowOf(policy).hostNetwork) return null;
  return 'network_mode: host is refused by policy (policy.allow.hostNetwork)';
}

/** `pid` or `ipc`: `host` needs its switch; `container:` modes are checked by containerModeRefusal. */
export function namespaceRefusal(key: 'pid' | 'ipc', value: string, policy: PolicySettings): string | null {
  if (value !== 'host' || policy.allowPrivileged) return null;
  const allow = allowOf(policy);
  if (key === 'pid' ? allow.hostPid : allow.hostIpc) return null;
  return `${key}: host is refused by policy (policy.allow.${key === 'pid' ? 'hostPid' : 'hostIpc'})`;
}

/** A `container:NAME` mode of `key` where NAME is not a container of this project. */
export function containerModeRefusal(key: string, target: string, policy: PolicySettings): string | null {
  if (policy.allowPrivileged || allowOf(policy).foreignContainers) return null;
  return `${key}: container:${target} joins a container this project does not own; refused by policy (policy.allow.foreignContainers)`;
}

export function securityOptRefusal(value: string, policy: PolicySettings): string | null {
  if (policy.allowPrivileged || allowOf(policy).securityOpt) return null;
  return `security_opt "${value}" is refused by policy (policy.allow.securityOpt)`;
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
  return `setuid, setgid or sticky bits (${(mode & 0o7777).toString(8).padStart(4, '0')}) are refused by policy (${PRIV})`;
}

/** A refusal of part of a top-level volume or network; `key` is relative to its entry. */
export interface SubRefusal {
  key: string[];
  message: string;
}

/** Mount types of the local driver that reach no host path or device (remote or memory). */
const HARMLESS_MOUNT_TYPES = new Set(['tmpfs', 'nfs', 'nfs4', 'cifs', 'smb3']);

export function volumeRefusals(v: VolumeSpec, policy: PolicySettings): SubRefusal[] {
  if (policy.allowPrivileged) return [];
  const allow = allowOf(policy);
  const out: SubRefusal[] = [];
  if (v.external && !allow.external) {
    out.push({ key: ['external'], message: `external volume ${v.name} is refused by policy (policy.allow.external)` });
  }
  if (v.driver !== 'local' && !allow.volumeDrivers.includes(v.driver)) {
    out.push({ key: ['driver'], message: `volume driver ${v.driver} is refused by policy (list it in policy.allow.volumeDrivers)` });
  }
  const opts = Object.fromEntries(Object.entries(v.driverOpts).map(([k, val]) => [k.toLowerCase(), val]));
  const type = (opts.type ?? '').toLowerCase();
  const bind = /(^|,)\s*r?bind\s*(,|$)/i.test(opts.o ?? '') || type === 'none' || type === 'bind';
  const device = opts.device;
  if (bind && device !== undefined && !allow.volumeBindOutsideRoots) {
    const refusal = underRoots('volume device', device, policy.allowedBindRoots, 'policy.allowedBindRoots');
    if (refusal) out.push({ key: ['driver_opts', 'device'], message: `${refusal}; a bind-type volume needs policy.allow.volumeBindOutsideRoots` });
  } else if (!bind && type !== '' && !HARMLESS_MOUNT_TYPES.has(type)) {
    out.push({ key: ['driver_opts', 'type'], message: `a volume mounting a host device (type ${type}) is refused by policy (${PRIV})` });
  }
  return out;
}

export function networkRefusals(n: NetworkSpec, policy: PolicySettings): SubRefusal[] {
  if (!n.external || policy.allowPrivileged || allowOf(policy).external) return [];
  return [{ key: ['external'], message: `external network ${n.name} is refused by policy (policy.allow.external)` }];
}

/** The units moor itself ships (systemd/); any other unit whose name starts with moor- is a commit's to manage. */
const MOOR_UNITS = ['moor', 'moor-hub'];

/** Host units no commit may override, give drop-ins, mask or stop, whatever the policy says. */
export function protectedUnit(name: string): boolean {
  const stem = name.replace(/\.[a-z]+$/, '').replace(/@.*$/, '');
  return ['ssh', 'sshd', 'dbus', 'dbus-broker', ...MOOR_UNITS].includes(stem) || stem.startsWith('systemd-');
}

function protectedRefusal(name: string, what: string): string | null {
  return protectedUnit(name) ? `${what} ${name} is refused: ssh, sshd, systemd-*, dbus and moor units are never touched by a commit` : null;
}

/** A unit file the commit ships under units/. Whether the host already had it is checked at plan time. */
export function unitInstallRefusal(name: string, policy: PolicySettings): string | null {
  const install = unitsPolicyOf(policy).install;
  const never = protectedRefusal(name, 'installing unit');
  if (never) return never;
  if (install === 'own' || install === 'any' || install.includes(name)) return null;
  return `installing unit ${name} is refused by policy (policy.units.install: ${install.length > 0 ? install.join(', ') : 'none'})`;
}

/** Drop-ins for a unit the commit does not ship (one the host has). */
export function dropInRefusal(name: string, policy: PolicySettings): string | null {
  const never = protectedRefusal(name, 'a drop-in for');
  if (never) return never;
  return unitsPolicyOf(policy).dropInsFor.includes(name) ? null : `a drop-in for host unit ${name} is refused by policy (policy.units.dropInsFor)`;
}

/** Masking, disabling or stopping a unit the commit does not ship. */
export function maskOrStopRefusal(name: string, what: 'masking' | 'stopping' | 'disabling', policy: PolicySettings): string | null {
  const never = protectedRefusal(name, what);
  if (never) return never;
  return unitsPolicyOf(policy).maskOrStop.includes(name) ? null : `${what} host unit ${name} is refused by policy (policy.units.maskOrStop)`;
}
