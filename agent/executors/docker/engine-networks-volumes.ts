// Networks and volumes of the dockerode ContainerEngine: list this host's, create, remove.
// Assembled by createDockerEngine (dockerode-engine.ts).

import type Dockerode from 'dockerode';
import type { NetworkSpec, VolumeSpec } from '../../desired/model.js';
import { LABEL, type ObservedNetwork, type ObservedVolume } from '../../contracts/observed.js';
import { checkVolumeBind } from './bind-check.js';
import { networkAddressing } from './create-body.js';
import { statusOf, toDockerError } from './docker-errors.js';
import type { ContainerEngine } from './port.js';

export type NetworksAndVolumes = Pick<
  ContainerEngine,
  'listNetworks' | 'listVolumes' | 'createNetwork' | 'removeNetwork' | 'createVolume' | 'removeVolume'
>;

export interface NetworksAndVolumesOptions {
  bindRoots?: readonly string[];
  volumeBindOutsideRoots?: boolean;
}

export function createNetworksAndVolumes(docker: Dockerode, options: NetworksAndVolumesOptions): NetworksAndVolumes {
  return { ...createNetworks(docker), ...createVolumes(docker, options) };
}

function createNetworks(docker: Dockerode): Pick<ContainerEngine, 'listNetworks' | 'createNetwork' | 'removeNetwork'> {
  return {
    async listNetworks(host: string): Promise<ObservedNetwork[]> {
      try {
        const list = await docker.listNetworks({ filters: { label: ownerFilter(host) } });
        return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
      } catch (err) {
        throw toDockerError(err, 'list', { host, kind: 'network' });
      }
    },

    async createNetwork(spec: NetworkSpec, labels: Record<string, string>): Promise<void> {
      try {
        await docker.createNetwork({
          Name: spec.name,
          Driver: spec.driver,
          Internal: spec.internal,
          ...networkAddressing(spec),
          Options: spec.driverOpts,
          CheckDuplicate: true,
          Labels: { ...spec.labels, ...labels },
        });
      } catch (err) {
        throw toDockerError(err, 'network', { network: spec.name });
      }
    },

    async removeNetwork(name: string): Promise<void> {
      try {
        await docker.getNetwork(name).remove();
      } catch (err) {
        if (statusOf(err) === 404) return;
        throw toDockerError(err, 'network', { network: name });
      }
    },
  };
}

function createVolumes(docker: Dockerode, options: NetworksAndVolumesOptions): Pick<ContainerEngine, 'listVolumes' | 'createVolume' | 'removeVolume'> {
  return {
    async listVolumes(host: string): Promise<ObservedVolume[]> {
      try {
        const res = await docker.listVolumes({ filters: { label: ownerFilter(host) } });
        return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
      } catch (err) {
        throw toDockerError(err, 'list', { host, kind: 'volume' });
      }
    },

    async createVolume(spec: VolumeSpec, labels: Record<string, string>): Promise<void> {
      if (options.bindRoots && !options.volumeBindOutsideRoots) await checkVolumeBind(spec, options.bindRoots);
      try {
        await docker.createVolume({
          Name: spec.name,
          Driver: spec.driver,
          DriverOpts: spec.driverOpts,
          Labels: { ...spec.labels, ...labels },
        });
      } catch (err) {
        throw toDockerError(err, 'volume', { volume: spec.name });
      }
    },

    async removeVolume(name: string): Promise<void> {
      try {
        await docker.getVolume(name).remove();
      } catch (err) {
        if (statusOf(err) === 404) return;
        throw toDockerError(err, 'volume', { volume: name });
      }
    },
  };
}

function ownerFilter(host: string): string[] {
  return [`${LABEL.managed}=true`, `${LABEL.host}=${host}`];
}
