// Container writes of the dockerode ContainerEngine: create (with networks and files), start,
// stop, remove, rename, disconnect. Assembled by createDockerEngine (dockerode-engine.ts).

import type Dockerode from 'dockerode';
import type { ContainerSpec } from '../../desired/model.js';
import type { AnonymousVolumeCarry } from './anonymous-volumes.js';
import { checkContainerBinds } from './bind-check.js';
import { containerFilesTar } from './container-files.js';
import { endpointConfig, toCreateBody } from './create-body.js';
import { statusOf, toDockerError } from './docker-errors.js';
import { forEngine, type EngineApiVersion } from './engine-api.js';
import type { ContainerEngine } from './port.js';

export type ContainerWrites = Pick<
  ContainerEngine,
  'createContainer' | 'startContainer' | 'stopContainer' | 'removeContainer' | 'renameContainer' | 'disconnectNetworks'
>;

export interface ContainerWritesDeps {
  docker: Dockerode;
  carry: AnonymousVolumeCarry;
  api: EngineApiVersion;
}

export function createContainerWrites(deps: ContainerWritesDeps, options: { bindRoots?: readonly string[] }): ContainerWrites {
  const { docker, carry } = deps;
  return {
    createContainer: (spec, labels) => createContainer(deps, options.bindRoots, spec, labels),

    async startContainer(nameOrId: string): Promise<void> {
      try {
        await docker.getContainer(nameOrId).start();
      } catch (err) {
        if (statusOf(err) === 304) return;
        throw toDockerError(err, 'start', { container: nameOrId });
      }
    },

    async stopContainer(nameOrId: string, timeoutMs: number): Promise<void> {
      try {
        await docker.getContainer(nameOrId).stop({ t: Math.ceil(timeoutMs / 1000) });
      } catch (err) {
        const status = statusOf(err);
        if (status === 304 || status === 404) return;
        throw toDockerError(err, 'stop', { container: nameOrId });
      }
    },

    async removeContainer(nameOrId: string, opts: { force: boolean } = { force: false }): Promise<void> {
      await carry.retire(nameOrId);
      try {
        await docker.getContainer(nameOrId).remove({ force: opts.force, v: false });
      } catch (err) {
        if (statusOf(err) === 404) return;
        throw toDockerError(err, 'remove', { container: nameOrId });
      }
    },

    async renameContainer(nameOrId: string, to: string): Promise<void> {
      try {
        await docker.getContainer(nameOrId).rename({ name: to });
      } catch (err) {
        throw toDockerError(err, 'rename', { container: nameOrId, to });
      }
    },

    disconnectNetworks: (nameOrId) => disconnectNetworks(docker, nameOrId),
  };
}

/** Takes a container off its user-defined networks (none, host and bridge stay). */
async function disconnectNetworks(docker: Dockerode, nameOrId: string): Promise<void> {
  let networks: string[];
  try {
    const info = await docker.getContainer(nameOrId).inspect();
    networks = Object.keys(info.NetworkSettings.Networks ?? {});
  } catch (err) {
    if (statusOf(err) === 404) return;
    throw toDockerError(err, 'inspect', { container: nameOrId });
  }
  for (const network of networks) {
    if (['none', 'host', 'bridge'].includes(network)) continue;
    try {
      await docker.getNetwork(network).disconnect({ Container: nameOrId, Force: true });
    } catch (err) {
      if (statusOf(err) === 404) continue;
      throw toDockerError(err, 'connect', { container: nameOrId, network });
    }
  }
}

/** Creates the container, joins its extra networks and puts its files; on failure removes it again. */
async function createContainer(
  deps: ContainerWritesDeps,
  bindRoots: readonly string[] | undefined,
  spec: ContainerSpec,
  labels: Record<string, string>,
): Promise<string> {
  const { docker, carry, api } = deps;
  if (bindRoots) await checkContainerBinds(spec, bindRoots);
  const { body, extraNetworks } = toCreateBody(await carry.into(forEngine(spec, await api.get())), labels);
  let id: string;
  try {
    id = (await docker.createContainer(body)).id;
  } catch (err) {
    throw toDockerError(err, 'create', { container: spec.name, image: spec.image });
  }
  try {
    for (const network of extraNetworks) {
      await docker.getNetwork(network).connect({ Container: id, EndpointConfig: endpointConfig(spec, network) });
    }
    if (spec.files.length > 0) await docker.getContainer(id).putArchive(await containerFilesTar(spec.files), { path: '/' });
  } catch (err) {
    // Leave nothing half-made behind: the caller sees a failed create, not a container
    // that misses a network.
    await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    throw toDockerError(err, 'connect', { container: spec.name });
  }
  return id;
}
