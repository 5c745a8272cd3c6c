// Images of the dockerode ContainerEngine: presence, pull with registry credentials, build.
// Assembled by createDockerEngine (dockerode-engine.ts).

import type Dockerode from 'dockerode';
import { DockerError } from '../../contracts/errors.js';
import type { RegistryCredential } from '../../settings/model.js';
import { buildImage, builtImageHash } from './build-image.js';
import { isImageNotFoundMessage, statusOf, toDockerError } from './docker-errors.js';
import type { ContainerEngine } from './port.js';
import { findCredential, parseImageRef, toRegistryAuth } from './registry-auth.js';

export type EngineImages = Pick<ContainerEngine, 'imagePresent' | 'pullImage' | 'builtImageHash' | 'buildImage'>;

export interface EngineImagesDeps {
  docker: Dockerode;
  readConfigAuths: (file: string) => Promise<RegistryCredential[]>;
}

export interface EngineImagesOptions {
  registries: RegistryCredential[];
  dockerConfigFile: string | null;
}

export function createEngineImages(deps: EngineImagesDeps, options: EngineImagesOptions): EngineImages {
  const { docker } = deps;

  async function credentialsFor(registry: string): Promise<RegistryCredential | null> {
    const configured = findCredential(registry, options.registries);
    if (configured !== null || options.dockerConfigFile === null) return configured;
    try {
      return findCredential(registry, await deps.readConfigAuths(options.dockerConfigFile));
    } catch (err) {
      throw new DockerError('REGISTRY_CONFIG_UNREADABLE', `cannot read Docker config ${options.dockerConfigFile}`, {
        handling: 'retry',
        data: { file: options.dockerConfigFile },
        cause: err,
      });
    }
  }

  return {
    async imagePresent(ref: string): Promise<boolean> {
      try {
        await docker.getImage(ref).inspect();
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw toDockerError(err, 'inspect', { image: ref });
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

    builtImageHash: (ref) => builtImageHash(docker, ref),
    buildImage: (request) => buildImage(docker, request),
  };
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
