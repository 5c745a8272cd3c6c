// The port to the container engine: the small interface the observer and the executors use.
// The dockerode adapter implements it; unit tests use fakes that throw on unexpected calls
// (test/unit/reconciler/fakes.ts).

import type { BuildRequest } from './build-image.js';
import type { ContainerSpec, NetworkSpec, ServiceEndpoints, VolumeSpec } from '../../desired/model.js';
import type { ForeignResource, ObservedContainer, ObservedNetwork, ObservedVolume } from '../../contracts/observed.js';

export interface ContainerListing {
  /** Containers with `moor.managed=true` and `moor.host=<host>`. */
  managed: ObservedContainer[];
  /** Names of every other container on the engine (foreign or another agent's). */
  otherNames: string[];
  /** The same containers with their owners, to take over a compose project or name a clash. */
  others?: ForeignResource[];
}

export interface ContainerEngine {
  ping(): Promise<void>;
  /** The engine's API version ("1.41"), null when it does not answer (optional: fakes may omit it). */
  apiVersion?(): Promise<string | null>;

  listContainers(host: string): Promise<ContainerListing>;
  /** Networks and volumes carrying `moor.managed=true` and `moor.host=<host>`. */
  listNetworks(host: string): Promise<ObservedNetwork[]>;
  listVolumes(host: string): Promise<ObservedVolume[]>;
  imagePresent(ref: string): Promise<boolean>;
  /** The `moor.build-hash` of a local image: null when absent or not built by moor (optional: fakes may omit it). */
  builtImageHash?(ref: string): Promise<string | null>;
  /** Builds an image from a context folder on the host (optional: fakes may omit it). */
  buildImage?(request: BuildRequest): Promise<void>;
  /** Volumes and networks of these names that exist but are not this agent's (optional: fakes may omit it). */
  foreignNamed?(names: { volumes: string[]; networks: string[] }, host: string): Promise<{ volumes: ForeignResource[]; networks: ForeignResource[] }>;
  /** null when no container has that name or id. */
  inspectContainer(nameOrId: string): Promise<ObservedContainer | null>;
  /** Last lines of a container's output, for evidence when it fails. */
  logs(nameOrId: string, lines: number): Promise<string>;

  /** Pulls with the credentials configured for the image's registry. */
  pullImage(ref: string): Promise<void>;
  createNetwork(spec: NetworkSpec, labels: Record<string, string>): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  createVolume(spec: VolumeSpec, labels: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /**
   * Creates (does not start) the container; returns its id. `hidden`: on its networks under its
   * own name only, not its service's names, so that no one is sent to it before announceContainer.
   */
  createContainer(spec: ContainerSpec, labels: Record<string, string>, options?: { hidden: boolean }): Promise<string>;
  startContainer(nameOrId: string): Promise<void>;
  stopContainer(nameOrId: string, timeoutMs: number): Promise<void>;
  /** `force` also removes a running container (one left with a stale task after an engine restart). */
  removeContainer(nameOrId: string, options?: { force: boolean }): Promise<void>;
  renameContainer(nameOrId: string, to: string): Promise<void>;
  /** Takes a container off its user-defined networks (and so out of their DNS) before a stop. */
  disconnectNetworks(nameOrId: string): Promise<void>;
  /** Puts a container created hidden under its service's names: it rejoins each of its networks with its aliases. */
  announceContainer(nameOrId: string, endpoints: ServiceEndpoints): Promise<void>;
}
