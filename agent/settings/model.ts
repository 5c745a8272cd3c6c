// The agent's own configuration (/etc/moor/agent.yaml), resolved: defaults filled, `{host}`
// substituted, secrets read from their files. README.md "Configuration" and config/agent.yaml are the contract.

import type { PolicySettings } from '../desired/policy-settings.js';

// The policy's shapes belong to the host model (desired/); re-exported for the settings' readers.
export type { AllowSwitches, PolicySettings, UnitsPolicy } from '../desired/policy-settings.js';

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
