// Container reads of the dockerode ContainerEngine: inspect, the host's listing and logs.
// Assembled with the other method groups by createDockerEngine (dockerode-engine.ts).

import type Dockerode from 'dockerode';
import type { ObservedContainer } from '../../contracts/observed.js';
import { listingOf } from './container-listing.js';
import { toObservedContainer } from './create-body.js';
import { statusOf, toDockerError } from './docker-errors.js';
import type { ContainerEngine, ContainerListing } from './port.js';

export type ContainerReads = Pick<ContainerEngine, 'inspectContainer' | 'listContainers' | 'logs'>;

export function createContainerReads(docker: Dockerode, inspectConcurrency: number): ContainerReads {
  async function inspect(nameOrId: string): Promise<ObservedContainer | null> {
    try {
      return toObservedContainer(await docker.getContainer(nameOrId).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw toDockerError(err, 'inspect', { container: nameOrId });
    }
  }

  return {
    inspectContainer: inspect,

    async listContainers(host: string): Promise<ContainerListing> {
      let all: Dockerode.ContainerInfo[];
      try {
        // One unfiltered list gives both this host's containers and every other name in use.
        all = await docker.listContainers({ all: true });
      } catch (err) {
        throw toDockerError(err, 'list', { host });
      }
      return listingOf(all, host, inspectConcurrency, inspect);
    },

    async logs(nameOrId: string, lines: number): Promise<string> {
      try {
        const raw: unknown = await docker.getContainer(nameOrId).logs({ stdout: true, stderr: true, tail: lines, follow: false });
        return demultiplex(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
      } catch (err) {
        throw toDockerError(err, 'logs', { container: nameOrId });
      }
    },
  };
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
