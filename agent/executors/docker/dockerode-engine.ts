// The ContainerEngine port implemented with dockerode: reads for the observer, writes for the
// docker executor. Every failure leaves here as a DockerError (see docker-errors.ts). The method
// groups live in engine-*.ts beside this file; createDockerEngine assembles them.

import type Dockerode from 'dockerode';
import type { RegistryCredential } from '../../settings/model.js';
import { AnonymousVolumeCarry } from './anonymous-volumes.js';
import { findForeignNamed } from './compose-projects.js';
import { createContainerReads } from './engine-container-reads.js';
import { createContainerWrites } from './engine-container-writes.js';
import { toDockerError } from './docker-errors.js';
import { EngineApiVersion } from './engine-api.js';
import { createEngineImages } from './engine-images.js';
import { createNetworksAndVolumes } from './engine-networks-volumes.js';
import type { ContainerEngine } from './port.js';
import { readDockerConfigAuths } from './registry-auth.js';

export { demultiplex } from './engine-container-reads.js';

export interface DockerEngineDeps {
  docker: Dockerode;
  /** Reads the `auths` of a Docker config.json; defaults to reading the file from disk. */
  readConfigAuths?: (file: string) => Promise<RegistryCredential[]>;
  /** Remembers anonymous volumes across calls; the engine child brings one seeded from the last sync. */
  carry?: AnonymousVolumeCarry;
}

export interface DockerEngineOptions {
  registries: RegistryCredential[];
  dockerConfigFile: string | null;
  /** How many containers are inspected at once while listing. */
  inspectConcurrency?: number;
  /**
   * policy.allowedBindRoots: bind sources, devices and bind-type volume devices are resolved on
   * the host before create and refused outside them. Absent: no check (tests of the adapter).
   */
  bindRoots?: readonly string[];
  /** policy.allow.volumeBindOutsideRoots (or allowPrivileged): volume devices are not checked. */
  volumeBindOutsideRoots?: boolean;
}

const DEFAULT_INSPECT_CONCURRENCY = 8;

export function createDockerEngine(deps: DockerEngineDeps, options: DockerEngineOptions): ContainerEngine {
  const { docker } = deps;
  const readConfigAuths = deps.readConfigAuths ?? readDockerConfigAuths;
  const api = new EngineApiVersion(docker);
  const carry = deps.carry ?? new AnonymousVolumeCarry(docker);
  return {
    apiVersion: () => api.get(),
    async ping() {
      try {
        await docker.ping();
      } catch (err) {
        throw toDockerError(err, 'ping');
      }
    },
    foreignNamed: (names, host) => findForeignNamed(docker, names, host),
    ...createContainerReads(docker, options.inspectConcurrency ?? DEFAULT_INSPECT_CONCURRENCY),
    ...createContainerWrites({ docker, carry, api }, options),
    ...createNetworksAndVolumes(docker, options),
    ...createEngineImages({ docker, readConfigAuths }, options),
  };
}
