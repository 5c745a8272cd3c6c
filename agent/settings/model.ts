// The agent's own configuration (/etc/moor/agent.yaml), resolved: defaults filled, `{host}`
// substituted, secrets read from their files. BRIEF.md section 2 is the contract.

export type SourceKind = 'http' | 'ssh' | 'local';

export interface SourceAuth {
  username: string | null;
  /** Read from `passwordFile`; never logged. */
  password: string | null;
  sshKeyFile: string | null;
  knownHostsFile: string | null;
}

export interface SourceSettings {
  /** As written, without credentials. */
  url: string;
  kind: SourceKind;
  /** With `{host}` substituted, e.g. `hosts/edge-01`. */
  branch: string;
  /** Folder inside the branch holding this host's state, normalised ('' for the root). */
  path: string;
  /** Poll interval when no `schedule` is set. */
  intervalMs: number;
  /** Cron expression (node-cron), replaces the interval when set. */
  schedule: string | null;
  auth: SourceAuth;
  verify: { mode: 'off' | 'head'; keysFile: string | null };
  /** Accept a head that is an ancestor of the applied revision (a rewind). */
  allowRewind: boolean;
}

export interface RegistryCredential {
  host: string;
  username: string;
  /** Read from `passwordFile`; never logged. */
  password: string;
}

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

export interface HubSettings {
  url: string;
  /** Read from `tokenFile`; never logged. */
  token: string;
  heartbeatMs: number;
  caFile: string | null;
  /** Upper bound on events kept while the hub is unreachable. */
  outboxLimit: number;
}

export interface AgentSettings {
  /** The file it was read from, for messages. */
  file: string;
  host: string;
  source: SourceSettings;
  docker: {
    /** unix socket path, or null when `host` (tcp) is used; DOCKER_HOST is honoured. */
    socketPath: string | null;
    host: string | null;
    port: number | null;
    configFile: string | null;
  };
  registries: RegistryCredential[];
  systemd: { unitDir: string; enabled: boolean };
  policy: PolicySettings;
  hub: HubSettings | null;
  stateDir: string;
  /** Decrypted compose secrets, on a tmpfs; optional only so that older literals still compile. */
  secretsDir?: string;
  /** Parent of each compose project's directory (relative binds, build contexts). */
  projectsDir: string;
  /** How many independent steps run at once. */
  concurrency: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}
