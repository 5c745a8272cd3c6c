// The shape of a host's policy (agent.yaml `policy:`): what a commit may ask for. Read by the
// settings loader, applied by the compose and unit loaders, rendered by the fleet layer.

/**
 * Allow-list switches (`policy.allow`): each names one thing a commit may ask for beyond the
 * safe default. `allowPrivileged: true` implies every one of them.
 */
export interface AllowSwitches {
  /** Capabilities beyond Docker's default set that `cap_add` may name (upper case, no CAP_). */
  capabilities: string[];
  /** `network_mode: host` (on by default: edge stacks such as Home Assistant need it). */
  hostNetwork: boolean;
  /** `pid: host`. */
  hostPid: boolean;
  /** `ipc: host`. */
  hostIpc: boolean;
  /** `network_mode`/`pid`/`ipc: container:X` where X is not a container of the project. */
  foreignContainers: boolean;
  /** `external: true` volumes and networks (created and owned by someone else). */
  external: boolean;
  /** Volume drivers other than `local` a named volume may use. */
  volumeDrivers: string[];
  /** Named volumes whose `driver_opts` bind or mount a host path outside allowedBindRoots. */
  volumeBindOutsideRoots: boolean;
  /** `security_opt` entries (seccomp, apparmor, label, no-new-privileges:false ...). */
  securityOpt: boolean;
}

/** `policy.units`: which units a commit may install, give drop-ins, mask or stop. */
export interface UnitsPolicy {
  /** `own`: units whose files the commit ships and the host did not already have; `any`; or a list of names. */
  install: 'own' | 'any' | string[];
  /** Host units (not shipped by the commit) that may get drop-ins. */
  dropInsFor: string[];
  /** Host units that may be masked, disabled or stopped. */
  maskOrStop: string[];
}

export interface PolicySettings {
  selfHeal: boolean;
  prune: boolean;
  allowPrivileged: boolean;
  allowedBindRoots: string[];
  allowedFileRoots: string[];
  /** An unset `${VAR}` in a compose file is an error rather than a blank with a warning. */
  strictInterpolation?: boolean;
  /** Absent: the defaults (see policy.ts), for callers built before these switches existed. */
  allow?: AllowSwitches;
  units?: UnitsPolicy;
}
