// The container engine: reads over plain node:http (engine-reads.ts), writes through dockerode,
// loaded on first use: dockerode and its dependencies take a while to load and about 15 MB, and
// a sync that changes nothing (the resident agent's steady work) never needs them.

import type { AgentSettings, RegistryCredential } from '../../settings/model.js';
import { MoorError } from '../../contracts/errors.js';
import { engineHttp } from './engine-http.js';
import { createEngineReads } from './engine-reads.js';
import type { ContainerEngine } from './port.js';

export function lazyDockerEngine(options: {
  docker: AgentSettings['docker'];
  registries: RegistryCredential[];
  dockerConfigFile: string | null;
  /** policy.allowedBindRoots, checked on the host right before create (see bind-check.ts). */
  bindRoots?: readonly string[];
  volumeBindOutsideRoots?: boolean;
}): ContainerEngine {
  const reads = createEngineReads(engineHttp(options.docker));
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
    ping: () => reads.ping(),
    apiVersion: async () => {
      const e = await load();
      return e.apiVersion ? e.apiVersion() : null;
    },
    listContainers: (...args) => reads.listContainers(...args),
    listNetworks: (...args) => reads.listNetworks(...args),
    listVolumes: (...args) => reads.listVolumes(...args),
    imagePresent: (...args) => reads.imagePresent(...args),
    builtImageHash: async (ref) => {
      const e = await load();
      return e.builtImageHash ? e.builtImageHash(ref) : null;
    },
    buildImage: async (request) => {
      const e = await load();
      if (!e.buildImage) throw new MoorError('NO_BUILD', 'this engine adapter cannot build images', { handling: 'commit' });
      return e.buildImage(request);
    },
    foreignNamed: (names, host) => reads.foreignNamed(names, host),
    inspectContainer: (...args) => reads.inspectContainer(...args),
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
