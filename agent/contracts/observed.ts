// What the host runs now, as seen through the ports' read methods: plain data for the planner.

export type ContainerRunState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type ContainerHealth = 'starting' | 'healthy' | 'unhealthy' | null;

/** moor's ownership labels. */
export const LABEL = {
  managed: 'moor.managed',
  host: 'moor.host',
  project: 'moor.project',
  service: 'moor.service',
  hash: 'moor.hash',
  revision: 'moor.revision',
} as const;

export interface ObservedContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  image: string;
  imageId: string;
  state: ContainerRunState;
  health: ContainerHealth;
  exitCode: number | null;
  restartCount: number;
  labels: Record<string, string>;
  /** Values the engine lets one change in place (`docker update`), to notice hand edits. */
  restartPolicy: string;
  memLimitBytes: number | null;
  nanoCpus: number | null;
  startedAt: string | null;
}

export interface ObservedNetwork {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface ObservedVolume {
  name: string;
  labels: Record<string, string>;
}

export interface ObservedUnit {
  name: string;
  /** sha256 of the unit file and drop-ins moor installed, as found on disk now; null if absent. */
  fileHash: string | null;
  /** sha256 of the drop-ins alone, null without any: what counts for a unit the host already has. */
  dropInHash?: string | null;
  enabled: boolean;
  masked: boolean;
  active: 'active' | 'inactive' | 'failed' | 'activating' | 'deactivating' | 'reloading' | 'unknown';
  /** A oneshot unit that ran and exited successfully: `state: running` is satisfied. */
  completed?: boolean;
  /** systemd knows the unit (LoadState other than not-found): the host has it, from moor or not. */
  known?: boolean;
}

export interface ObservedFile {
  path: string;
  /** sha256 of the content on disk now, null if the file is absent. */
  hash: string | null;
  mode: number | null;
  /** Owner and group on disk, by name where the host's passwd/group has one (else the number). */
  owner?: string | null;
  group?: string | null;
  uid?: number;
  gid?: number;
}

/** `com.docker.compose.project`: the label docker compose puts on what it creates. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';

/** A container, volume or network on the engine that this agent does not manage. */
export interface ForeignResource {
  name: string;
  /** Container or network id; the name for a volume. */
  id: string;
  /** The docker compose project that created it (its `com.docker.compose.project` label), if any. */
  composeProject: string | null;
  /** The `moor.host` of another agent that manages it, if any. */
  otherHost: string | null;
}

/** A project directory as found on disk, for the files the commit places and moor placed before. */
export interface ObservedProjectDir {
  dir: string;
  /** What moor recorded having placed there (path -> sha256), from its record beside the directory. */
  placed: Record<string, string>;
  /** sha256 on disk of every path wanted or placed before; null when absent (or not a regular file). */
  onDisk: Record<string, string | null>;
  /** Data directories that exist. */
  dataDirs: string[];
}

/** Everything the planner may know about the host. */
export interface ObservedState {
  /** Containers carrying `moor.managed=true` and this agent's `moor.host`. */
  containers: ObservedContainer[];
  /** Every container name in use on the engine, managed or not, to avoid name clashes. */
  foreignContainerNames: string[];
  /** Those other containers in detail (absent from engines that do not report them). */
  foreignContainers?: ForeignResource[];
  /** Volumes and networks named as the commit's, but not this agent's (compose's, by hand). */
  foreignVolumes?: ForeignResource[];
  foreignNetworks?: ForeignResource[];
  networks: ObservedNetwork[];
  volumes: ObservedVolume[];
  /** For each image the desired state references: whether it is present locally. */
  images: Record<string, boolean>;
  units: ObservedUnit[];
  files: ObservedFile[];
  /** For each image the desired state builds: the build hash it carries (null: absent or not moor's). */
  builtImages?: Record<string, string | null>;
  /** The project directories the desired state names (absent: none looked at). */
  projectDirs?: ObservedProjectDir[];
}

export function emptyObservedState(): ObservedState {
  return { containers: [], foreignContainerNames: [], networks: [], volumes: [], images: {}, units: [], files: [] };
}
