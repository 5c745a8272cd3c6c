// The container engine: reads over plain node:http (engine-reads.ts), writes through dockerode,
// loaded on first use: dockerode and its dependencies take a while to load and about 15 MB, and
// a sync that changes nothing (the resident agent's steady work) never needs them. The daemon
// runs the writes in an engine child instead (engine-child.ts), released after each sync, so that
// dockerode never stays in the resident agent.

import type { AgentSettings, RegistryCredential } from '../../settings/model.js';
import { MoorError } from '../../contracts/errors.js';
import { engineHttp } from './engine-http.js';
import { createEngineReads } from './engine-reads.js';
import type { EngineChild } from './engine-child.js';
import type { ContainerEngine } from './port.js';

/**
 * An engine whose writes may hold a child process: prepare() starts it ahead of the writes (when a
 * new commit is being checked out), release() ends it (the daemon, after each sync).
 */
export type ReleasableEngine = ContainerEngine & { prepare(): void; release(): Promise<void> };

export function lazyDockerEngine(options: {
  docker: AgentSettings['docker'];
  registries: RegistryCredential[];
  dockerConfigFile: string | null;
  /** policy.allowedBindRoots, checked on the host right before create (see bind-check.ts). */
  bindRoots?: readonly string[];
 volumeBindOutsideRoots?: boolean;
  /** Run the writes in this engine child instead of in this process. */
  child?: EngineChild;
}): ReleasableEngine {
  const reads = createEngineReads(engineHttp(options.docker));
  let engine: Promise<ContainerEngine> | null = null;
  const child = options.child;
  const load = (): Promise<ContainerEngine> =>
    (engine ??= child ? Promise.resolve(childWrites(child)) : Promise.all([import('./connect.js'), import('./dockerode-engine.js')]).then(([{ connectDocker }, { createDockerEngine }]) =>
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
    prepare: () => child?.prepare(),
    release: async () => child?.release(),
    ping: () => reads.ping(),
    apiVersion: () => reads.apiVersion(),
    listContainers: (...args) => reads.listContainers(...args),
    listNetworks: (...args) => reads.listNetworks(...args),
    listVolumes: (...args) => reads.listVolumes(...args),
    imagePresent: (...args) => reads.imagePresent(...args),
    builtImageHash: (ref) => reads.builtImageHash(ref),
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
    announceContainer: call('announceContainer'),
  };
}

/** The engine's writes (and the reads that need dockerode) as calls to the engine child; the other reads never reach it. */
function childWrites(child: EngineChild): ContainerEngine {
  const notInChild = (): never => {
    throw new MoorError('ENGINE_CHILD_METHOD', 'reads run in the agent, not in the engine child', { handling: 'bug' });
  };
  return {
    ping: notInChild, listContainers: notInChild, listNetworks: notInChild, listVolumes: notInChild, imagePresent: notInChild, inspectContainer: notInChild,
    buildImage: (request) => child.call('buildImage', request),
    logs: (nameOrId, lines) => child.call('logs', nameOrId, lines),
    pullImage: (ref) => child.call('pullImage', ref),
    createNetwork: (spec, labels) => child.call('createNetwork', spec, labels),
    removeNetwork: (name) => child.call('removeNetwork', name),
    createVolume: (spec, labels) => child.call('createVolume', spec, labels),
    removeVolume: (name) => child.call('removeVolume', name),
    createContainer: (spec, labels, opts) => (opts ? child.call('createContainer', spec, labels, opts) : child.call('createContainer', spec, labels)),
    startContainer: (nameOrId) => child.call('startContainer', nameOrId),
    stopContainer: (nameOrId, timeoutMs) => child.call('stopContainer', nameOrId, timeoutMs),
    removeContainer: (nameOrId, opts) => (opts ? child.call('removeContainer', nameOrId, opts) : child.call('removeContainer', nameOrId)),
    renameContainer: (nameOrId, to) => child.call('renameContainer', nameOrId, to),
    disconnectNetworks: (nameOrId) => child.call('disconnectNetworks', nameOrId),
    announceContainer: (nameOrId, endpoints) => child.call('announceContainer', nameOrId, endpoints),
  };
}
