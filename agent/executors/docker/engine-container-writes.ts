// Container writes of the dockerode ContainerEngine: create (with networks and files), start,
// stop, remove, rename, disconnect, announce. Assembled by createDockerEngine (dockerode-engine.ts).

import type Dockerode from 'dockerode';
import type { ContainerSpec, ServiceEndpoints } from '../../desired/model.js';
import type { AnonymousVolumeCarry } from './anonymous-volumes.js';
import { checkContainerBinds } from './bind-check.js';
import { containerFilesTar } from './container-files.js';
import { endpointConfig, toCreateBody } from './create-body.js';
import { statusOf, toDockerError } from './docker-errors.js';
import { forEngine, type EngineApiVersion } from './engine-api.js';
import type { ContainerEngine } from './port.js';

export type ContainerWrites = Pick<
  ContainerEngine,
  'createContainer' | 'startContainer' | 'stopContainer' | 'removeContainer' | 'renameContainer' | 'disconnectNetworks' | 'announceContainer'
>;

export interface ContainerWritesDeps {
  docker: Dockerode;
  carry: AnonymousVolumeCarry;
  api: EngineApiVersion;
}

export function createContainerWrites(deps: ContainerWritesDeps, options: { bindRoots?: readonly string[] }): ContainerWrites {
  const { docker, carry } = deps;
  return {
    createContainer: (spec, labels, opts) => createContainer(deps, options.bindRoots, spec, labels, opts?.hidden ?? false),

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
    announceContainer: (nameOrId, endpoints) => announceContainer(docker, nameOrId, endpoints),
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

/**
 * The engine's DNS answers for a service's names with every container on the network that carries
 * them, from the moment it starts, ready or not. A start-first replacement therefore rejoins its
 * networks with its aliases only once it is healthy: until then, clients reach the old container
 * only. The rejoin happens before anyone is sent to it, so only its own outgoing connections of
 * its first moments are cut; a fixed address is refused with start-first (desired/compose/service.ts).
 */
async function announceContainer(docker: Dockerode, nameOrId: string, spec: ServiceEndpoints): Promise<void> {
  if (spec.networkMode !== null) return;
  for (const network of spec.networks) {
    const net = docker.getNetwork(network);
    try {
      await net.disconnect({ Container: nameOrId, Force: false });
      await net.connect({ Container: nameOrId, EndpointConfig: endpointConfig(spec, network) });
    } catch (err) {
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
  hidden: boolean,
): Promise<string> {
  const { docker, carry, api } = deps;
  if (bindRoots) await checkContainerBinds(spec, bindRoots);
  const { body, extraNetworks } = toCreateBody(await carry.into(forEngine(spec, await api.get())), labels, { hidden });
  let id: string;
  try {
    id = (await docker.createContainer(body)).id;
  } catch (err) {
    throw toDockerError(err, 'create', { container: spec.name, image: spec.image });
  }
  try {
    for (const network of extraNetworks) {
      await docker.getNetwork(network).connect({ Container: id, EndpointConfig: endpointConfig(spec, network, { hidden }) });
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
