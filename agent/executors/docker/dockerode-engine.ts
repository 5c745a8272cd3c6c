// The ContainerEngine port implemented with dockerode: reads for the observer, writes for the
// docker executor. Every failure leaves here as a DockerError (see docker-errors.ts).

import type Dockerode from 'dockerode';
import type { ContainerSpec, NetworkSpec, VolumeSpec } from '../../desired/model.js';
import { DockerError } from '../../contracts/errors.js';
import { LABEL, type ForeignResource, type ObservedContainer, type ObservedNetwork, type ObservedVolume } from '../../contracts/observed.js';
import type { RegistryCredential } from '../../settings/model.js';
import { AnonymousVolumeCarry } from './anonymous-volumes.js';
import { checkContainerBinds, checkVolumeBind } from './bind-check.js';
import { buildImage, builtImageHash } from './build-image.js';
import { findForeignNamed, foreignOf } from './compose-projects.js';
import { containerFilesTar } from './container-files.js';
import { endpointConfig, networkAddressing, toCreateBody, toObservedContainer } from './create-body.js';
import { isImageNotFoundMessage, statusOf, toDockerError } from './docker-errors.js';
import { EngineApiVersion, forEngine } from './engine-api.js';
import type { ContainerEngine, ContainerListing } from './port.js';
import { findCredential, parseImageRef, readDockerConfigAuths, toRegistryAuth } from './registry-auth.js';

export interface DockerEngineDeps {
  docker: Dockerode;
  /** Reads the `auths` of a Docker config.json; defaults to reading the file from disk. */
  readConfigAuths?: (file: string) => Promise<RegistryCredential[]>;
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
  const inspectConcurrency = options.inspectConcurrency ?? DEFAULT_INSPECT_CONCURRENCY;
  const carry = new AnonymousVolumeCarry(docker);
  const api = new EngineApiVersion(docker);

  async function inspect(nameOrId: string): Promise<ObservedContainer | null> {
    try {
      return toObservedContainer(await docker.getContainer(nameOrId).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw toDockerError(err, 'inspect', { container: nameOrId });
    }
  }

  async function credentialsFor(registry: string): Promise<RegistryCredential | null> {
    const configured = findCredential(registry, options.registries);
    if (configured !== null || options.dockerConfigFile === null) return configured;
    try {
      return findCredential(registry, await readConfigAuths(options.dockerConfigFile));
    } catch (err) {
      throw new DockerError('REGISTRY_CONFIG_UNREADABLE', `cannot read Docker config ${options.dockerConfigFile}`, {
        handling: 'retry',
        data: { file: options.dockerConfigFile },
        cause: err,
      });
    }
  }

  return {
    apiVersion: () => api.get(),

    async ping() {
      try {
        await docker.ping();
      } catch (err) {
        throw toDockerError(err, 'ping');
      }
    },

    async listContainers(host: string): Promise<ContainerListing> {
      let all: Dockerode.ContainerInfo[];
      try {
        // One unfiltered list gives both this host's containers and every other name in use.
        all = await docker.listContainers({ all: true });
      } catch (err) {
        throw toDockerError(err, 'list', { host });
      }
      const mine: string[] = [];
      const otherNames: string[] = [];
      const others: ForeignResource[] = [];
      for (const c of all) {
        const labels = c.Labels ?? {};
        if (labels[LABEL.managed] === 'true' && labels[LABEL.host] === host) mine.push(c.Id);
        else otherNames.push(...c.Names.map((n) => n.replace(/^\//, '')));
        for (const n of c.Names) others.push(...[foreignOf(n.replace(/^\//, ''), c.Id, labels, host)].filter((f) => f !== null));
      }
      const inspected = await mapLimit(mine, inspectConcurrency, inspect);
      // A container removed between list and inspect is simply no longer there.
      const managed = inspected.filter((c): c is ObservedContainer => c !== null);
      return { managed, otherNames: otherNames.sort(), others };
    },

    async listNetworks(host: string): Promise<ObservedNetwork[]> {
      try {
        const list = await docker.listNetworks({ filters: { label: ownerFilter(host) } });
        return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
      } catch (err) {
        throw toDockerError(err, 'list', { host, kind: 'network' });
      }
    },

    async listVolumes(host: string): Promise<ObservedVolume[]> {
      try {
        const res = await docker.listVolumes({ filters: { label: ownerFilter(host) } });
        return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
      } catch (err) {
        throw toDockerError(err, 'list', { host, kind: 'volume' });
      }
    },

    async imagePresent(ref: string): Promise<boolean> {
      try {
        await docker.getImage(ref).inspect();
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw toDockerError(err, 'inspect', { image: ref });
      }
    },

    inspectContainer: inspect,

    foreignNamed: (names, host) => findForeignNamed(docker, names, host),
    builtImageHash: (ref) => builtImageHash(docker, ref),
    buildImage: (request) => buildImage(docker, request),

    async logs(nameOrId: string, lines: number): Promise<string> {
      try {
        const raw: unknown = await docker.getContainer(nameOrId).logs({ stdout: true, stderr: true, tail: lines, follow: false });
        return demultiplex(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
      } catch (err) {
        throw toDockerError(err, 'logs', { container: nameOrId });
      }
    },

    async pullImage(ref: string): Promise<void> {
      const { registry, repository, tag } = parseImageRef(ref);
      const cred = await credentialsFor(registry);
      const data = { image: ref, registry, authenticated: cred !== null };
      try {
        const opts = { fromImage: repository, tag };
        const stream = cred === null ? await docker.createImage(opts) : await docker.createImage(toRegistryAuth(registry, cred), opts);
        await followPull(stream);
      } catch (err) {
        throw toDockerError(err, 'pull', data);
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

    async createContainer(spec: ContainerSpec, labels: Record<string, string>): Promise<string> {
      if (options.bindRoots) await checkContainerBinds(spec, options.bindRoots);
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
    },

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

    async disconnectNetworks(nameOrId: string): Promise<void> {
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
    },
  };
}

function ownerFilter(host: string): string[] {
  return [`${LABEL.managed}=true`, `${LABEL.host}=${host}`];
}

/** Reads a pull's JSON progress stream to its end; an `error` line in it fails the pull. */
async function followPull(stream: NodeJS.ReadableStream): Promise<void> {
  let buf = '';
  const check = (line: string): void => {
    if (line.trim() === '') return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return; // progress lines only inform; a garbled one is no reason to fail
    }
    if (typeof event === 'object' && event !== null && 'error' in event) {
      const message = String((event as { error: unknown }).error);
      throw Object.assign(new Error(message), { json: { message }, statusCode: isImageNotFoundMessage(message) ? 404 : undefined });
    }
  };
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      check(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  check(buf);
}

/**
 * Docker multiplexes stdout and stderr of a container without a TTY into frames of an 8-byte
 * header (stream, 0, 0, 0, big-endian length) and a payload; a TTY container's output is raw.
 */
export function demultiplex(raw: Buffer): string {
  const framed = raw.length >= 8 && raw[0]! <= 2 && raw[1] === 0 && raw[2] === 0 && raw[3] === 0;
  if (!framed) return raw.toString('utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
