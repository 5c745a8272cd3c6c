// The desired state of one host, as read from a commit of its branch: normalised, validated
// plain data that the planner compares with what the host runs. No I/O here.

export type PullPolicy = 'missing' | 'always' | 'never';
export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure' | `on-failure:${number}`;
export type UpdateStrategy = 'stop-first' | 'start-first';
export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface PortSpec {
  /** Host IP to bind, '' for all. */
  hostIp: string;
  /** Host port, or null for an ephemeral one. */
  hostPort: number | null;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export type MountSpec =
  | { type: 'bind'; source: string; target: string; readOnly: boolean }
  | { type: 'volume'; source: string; target: string; readOnly: boolean }
  | { type: 'tmpfs'; target: string; options: string };

export interface DeviceSpec {
  hostPath: string;
  containerPath: string;
  permissions: string;
}

export interface HealthcheckSpec {
  /** Docker's form: ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]. */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface LoggingSpec {
  driver: string;
  options: Record<string, string>;
}

export interface DependsOn {
  service: string;
  condition: DependsCondition;
}

/**
 * One container as compose describes it, normalised: defaults filled, maps with sorted keys,
 * set-like lists sorted, durations in milliseconds, sizes in bytes. Two specs that mean the
 * same container are deep-equal, so a no-op sync replaces nothing.
 */
export interface ContainerSpec {
  project: string;
  service: string;
  /** `<project>-<service>` or compose's `container_name`. */
  name: string;
  image: string;
  pullPolicy: PullPolicy;
  command: string[] | null;
  entrypoint: string[] | null;
  env: Record<string, string>;
  ports: PortSpec[];
  mounts: MountSpec[];
  restart: RestartPolicy;
  /** User labels only; moor's own `moor.*` labels are added by the executor. */
  labels: Record<string, string>;
  healthcheck: HealthcheckSpec | null;
  dependsOn: DependsOn[];
  /** Compose networks the container joins (full network names), empty with `networkMode`. */
  networks: string[];
  /** `none`, `host`, `bridge`, `container:NAME`, or null when joining `networks`. */
  networkMode: string | null;
  user: string | null;
  workingDir: string | null;
  hostname: string | null;
  extraHosts: string[];
  devices: DeviceSpec[];
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  stopGracePeriodMs: number;
  stopSignal: string | null;
  memLimitBytes: number | null;
  nanoCpus: number | null;
  logging: LoggingSpec | null;
  init: boolean;
  readOnly: boolean;
  update: UpdateStrategy;
  /** Environment keys whose values are secrets and are never shown in plans or logs. */
  secretEnv: string[];
  /** sha256 of the normalised spec and the content of files it references (env_file). */
  hash: string;
}

export interface NetworkSpec {
  project: string;
  /** Key in the compose file. */
  key: string;
  /** Engine name: `<project>_<key>` unless compose's `name:` says otherwise. */
  name: string;
  driver: string;
  /** compose's `driver_opts`, sorted; optional only so that older literals still compile. */
  driverOpts: Record<string, string>;
  internal: boolean;
  labels: Record<string, string>;
  /** `external: true` networks are used, never created or removed. */
  external: boolean;
  hash: string;
}

export interface VolumeSpec {
  project: string;
  key: string;
  name: string;
  driver: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
  external: boolean;
  hash: string;
}

export type UnitState = 'running' | 'stopped';

export interface UnitSpec {
  /** e.g. `telegraf.service`. */
  name: string;
  /** Content of `units/NAME` when the repo provides the file; null for a unit the host has. */
  content: string | null;
  /** Drop-ins from `units/NAME.d/*.conf`, by file name. */
  dropIns: Record<string, string>;
  enabled: boolean | null;
  state: UnitState | null;
  mask: boolean;
  onChange: 'restart' | 'reload';
  hash: string;
}

export interface FileSpec {
  /** Absolute path on the host. */
  path: string;
  /** Path of the source inside the config dir, for messages. */
  source: string;
  /** File content, base64 so that binary files survive serialisation. */
  contentBase64: string;
  mode: number;
  owner: string | null;
  group: string | null;
  restarts: string[];
  hash: string;
}

export interface RolloutSpec {
  healthTimeoutMs: number;
  rollback: boolean;
}

export interface WindowSpec {
  schedule: string;
  durationMs: number;
}

/** Everything a commit asks of the host. */
export interface DesiredState {
  containers: ContainerSpec[];
  networks: NetworkSpec[];
  volumes: VolumeSpec[];
  units: UnitSpec[];
  files: FileSpec[];
  rollout: RolloutSpec;
  window: WindowSpec | null;
  /** Whether pruned named volumes are deleted too (default false: data is never deleted). */
  pruneVolumes: boolean;
  /** The host's labels from the fleet layer (`labels:` of moor.yaml), reported to the hub. */
  labels?: Record<string, string>;
}

export const DEFAULT_ROLLOUT: RolloutSpec = { healthTimeoutMs: 90_000, rollback: true };

export function emptyDesiredState(): DesiredState {
  return {
    containers: [],
    networks: [],
    volumes: [],
    units: [],
    files: [],
    rollout: { ...DEFAULT_ROLLOUT },
    window: null,
    pruneVolumes: false,
  };
}
