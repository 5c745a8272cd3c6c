// The container engine, loaded on first use: dockerode and its dependencies take a while to load,
// and the agent's first git poll should not wait for them.

import type { AgentSettings, RegistryCredential } from '../../settings/model.js';
import { MoorError } from '../../contracts/errors.js';
import type { ContainerEngine } from './port.js';

export function lazyDockerEngine(options: {
  docker: AgentSettings['docker'];
  registries: RegistryCredential[];
  dockerConfigFile: string | null;
  /** policy.allowedBindRoots, checked on the host right before create (see bind-check.ts). */
  bindRoots?: readonly string[];
  volumeBindOutsideRoots?: boolean;
}): ContainerEngine {
  let engine: Promise<ContainerEngine> | null = null;
  const load = (): Promise<ContainerEngine> =>
    (engine ??= Promise.all([import('./connect.js'), import('./dockerode-engine.js')]).then(([{ connectDocker }, { createDockerEngine }]) =>
      createDockerEngine({ docker: connectDocker(options.docker) }, {
        registries: options.registries,
        dockerConfigFile: options.dockerConfigFile,
        bindRoots: options.bindRoots,
        volumeBindOutsideRoots: options.volumeBindOutsideRoots,
      }),
    ));
  const call =
    <K extends Exclude<keyof ContainerEngine, 'foreignNamed' | 'builtImageHash' | 'buildImage' | 'apiVersion'>>(method: K) =>
    async (...args: Parameters<ContainerEngine[K]>): Promise<Awaited<ReturnType<ContainerEngine[K]>>> => {
      const e = await load();
      const fn = e[method] as (...a: Parameters<ContainerEngine[K]>) => ReturnType<ContainerEngine[K]>;
      return (await fn.apply(e, args)) as Awaited<ReturnType<ContainerEngine[K]>>;
    };
  return {
    ping: call('ping'),
    apiVersion: async () => {
      const e = await load();
      return e.apiVersion ? e.apiVersion() : null;
    },
    listContainers: call('listContainers'),
    listNetworks: call('listNetworks'),
    listVolumes: call('listVolumes'),
    imagePresent: call('imagePresent'),
    builtImageHash: async (ref) => {
      const e = await load();
      return e.builtImageHash ? e.builtImageHash(ref) : null;
    },
    buildImage: async (request) => {
      const e = await load();
      if (!e.buildImage) throw new MoorError('NO_BUILD', 'this engine adapter cannot build images', { handling: 'commit' });
      return e.buildImage(request);
    },
    foreignNamed: async (names, host) => {
      const e = await load();
      return e.foreignNamed ? e.foreignNamed(names, host) : { volumes: [], networks: [] };
    },
    inspectContainer: call('inspectContainer'),
    logs: call('logs'),
    pullImage: call('pullImage'),
    createNetwork: call('createNetwork'),
    removeNetwork: call('removeNetwork'),
    createVolume: call('createVolume'),
    removeVolume: call('removeVolume'),
    createContainer: call('createContainer'),
    startContainer: call('startContainer'),
    stopContainer: call('stopContainer'),
    removeContainer: call('removeContainer'),
    renameContainer: call('renameContainer'),
    disconnectNetworks: call('disconnectNetworks'),
  };
}
