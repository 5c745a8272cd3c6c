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

/** Everything the planner may know about the host. */
export interface ObservedState {
  /** Containers carrying `moor.managed=true` and this agent's `moor.host`. */
  containers: ObservedContainer[];
  /** Every container name in use on the engine, managed or not, to avoid name clashes. */
  foreignContainerNames: string[];
  networks: ObservedNetwork[];
  volumes: ObservedVolume[];
  /** For each image the desired state references: whether it is present locally. */
  images: Record<string, boolean>;
  units: ObservedUnit[];
  files: ObservedFile[];
}

export function emptyObservedState(): ObservedState {
  return { containers: [], foreignContainerNames: [], networks: [], volumes: [], images: {}, units: [], files: [] };
}
