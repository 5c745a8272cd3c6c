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
  | {
      type: 'bind';
      /** Absolute host path (relative sources are resolved against the project directory). */
      source: string;
      target: string;
      readOnly: boolean;
      /** The path relative to the project directory when the source is inside it, else null. */
      repoPath: string | null;
      /** Bind propagation (`rprivate`, `rslave`, ...), or null for the engine's default. */
      propagation: string | null;
      /** SELinux relabelling: `z` shared, `Z` private, or null. */
      selinux: 'z' | 'Z' | null;
    }
  | {
      type: 'volume';
      /** Engine volume name; '' for an anonymous volume. */
      source: string;
      target: string;
      readOnly: boolean;
      /** Do not copy the image's content at the target into a new volume. */
      noCopy: boolean;
    }
  | { type: 'tmpfs'; target: string; options: string };

/** A file moor writes into the container after create (secrets and configs from `environment:`). */
export interface ContainerFileSpec {
  target: string;
  /** Name of the .env variable the content came from: the content itself is a secret. */
  variable: string;
  contentBase64: string;
  mode: number;
  uid: string;
  gid: string;
}

export interface EndpointSpec {
  aliases: string[];
  ipv4Address: string | null;
  ipv6Address: string | null;
}

/** What puts a container under its service's names on its networks: the engine's endpoints. */
export type ServiceEndpoints = Pick<ContainerSpec, 'service' | 'networkMode' | 'networks' | 'endpoints' | 'links'>;

export interface UlimitSpec {
  name: string;
  soft: number;
  hard: number;
}

/** `deploy.resources.reservations.devices` (GPUs): the engine's DeviceRequest. */
export interface DeviceRequestSpec {
  driver: string;
  /** -1 for all. */
  count: number;
  deviceIds: string[];
  capabilities: string[];
  options: Record<string, string>;
}

export interface DeviceSpec {
  hostPath: string;
  containerPath: string;
  permissions: string;
}

export interface HealthcheckSpec {
  /** Docker's form: ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]; [] keeps the image's test. */
  test: string[];
  /** 0 keeps the image's value (the engine's default when the image has none), as compose sends it. */
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

export interface LoggingSpec {
  /** null keeps the daemon's default driver. */
  driver: string | null;
  options: Record<string, string>;
}

export interface DependsOn {
  service: string;
  condition: DependsCondition;
}

/** `build:` of a service: built on the host from the context placed in the project directory. */
export interface BuildSpec {
  /** Context folder inside the config dir (and the project directory), normalised; '.' for the dir itself. */
  context: string;
  /** Dockerfile path inside the context. */
  dockerfile: string;
  args: Record<string, string>;
  target: string | null;
  /** sha256 of the context's files, dockerfile, args and target: the image is rebuilt when it changes. */
  hash: string;
  /** The commit does not hold the context: it is the host's, in the project directory, built as it is. */
  hostContext?: boolean;
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
  /** null: not set, the daemon's default applies. */
  init: boolean | null;
  readOnly: boolean;
  /** `expose`: container ports (`80/tcp`) published to linked services only, sorted. */
  expose: string[];
  sysctls: Record<string, string>;
  /** Per network (full name) settings beyond the service alias: aliases, fixed addresses. */
  endpoints: Record<string, EndpointSpec>;
  /** Legacy links, `container:alias`, sorted. */
  links: string[];
  /** `container[:ro]` whose volumes this container mounts too, sorted. */
  volumesFrom: string[];
  stdinOpen: boolean;
  tty: boolean;
  ulimits: UlimitSpec[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  groupAdd: string[];
  /** `host`, `container:NAME`, or null (private). */
  pid: string | null;
  /** `host`, `shareable`, `private`, `none`, `container:NAME`, or null (the daemon's default). */
  ipc: string | null;
  securityOpt: string[];
  shmSizeBytes: number | null;
  memReservationBytes: number | null;
  pidsLimit: number | null;
  deviceRequests: DeviceRequestSpec[];
  /** Files written into the container after create, by target. */
  files: ContainerFileSpec[];
  update: UpdateStrategy;
  /** Environment keys whose values are secrets and are never shown in plans or logs. */
  secretEnv: string[];
  /**
   * For each bind of a path the commit holds (its `repoPath`), a hash of that content: a new
   * hash replaces the container, as a changed config file must reach it. Absent without such binds.
   */
  mountContent?: Record<string, string>;
  /** `build:`; `image` is then the tag it gets. Absent without build. */
  build?: BuildSpec;
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
  enableIpv6: boolean;
  /** compose's `ipam`, or null for the engine's default addressing. */
  ipam: IpamSpec | null;
  labels: Record<string, string>;
  /** `external: true` networks are used, never created or removed. */
  external: boolean;
  hash: string;
}

export interface IpamSpec {
  driver: string | null;
  config: { subnet: string | null; ipRange: string | null; gateway: string | null; auxAddresses: Record<string, string> }[];
  options: Record<string, string>;
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
  /** Decrypted from an `.age` source: content and its hash are never shown (issue 13). */
  secret?: boolean;
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

/** A file of the commit placed in a project directory (content of a bind or a build context). */
export interface ProjectFileSpec {
  /** Path inside the project directory (and the config dir), normalised. */
  rel: string;
  contentBase64: string;
  /** 0o644, or 0o755 for an executable file (what git keeps). */
  mode: number;
  /** sha256 of the content. */
  hash: string;
}

/**
 * A compose project's directory for one commit (`<projectsDir>/<project>`): the commit's files
 * that binds and build contexts use, kept in step with the commit, and the data directories
 * (bind sources the commit does not hold), created once and never removed by moor.
 */
export interface ProjectDirSpec {
  project: string;
  /** Absolute path of the directory. */
  dir: string;
  files: ProjectFileSpec[];
  /** Paths inside `dir`, sorted. */
  dataDirs: string[];
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
  /** Values that are secrets (desired/secrets.ts), redacted wherever moor prints; absent: none. */
  secretValues?: string[];
  /**
   * `x-moor: { adopt: true }` at the top of the compose file: take over a project that
   * `docker compose -p NAME up` runs (reuse its volumes and networks, replace its containers).
   */
  adopt?: boolean;
  /** Project directories to place before containers are created; absent without relative binds or builds. */
  projectDirs?: ProjectDirSpec[];
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
