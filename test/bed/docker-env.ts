// The private test engine for integration tests: its socket (from test/run.sh), a client,
// a unique host id per test file, and clean-up of everything a test's host id left behind.

import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';

export const MANAGED = 'moor.managed';
export const HOST = 'moor.host';

/** The private engine's socket path; test/run.sh sets MOOR_TEST_DOCKER_SOCK. */
export function dockerSocket(): string {
  const sock = process.env['MOOR_TEST_DOCKER_SOCK'];
  if (!sock) {
    throw new Error('MOOR_TEST_DOCKER_SOCK is not set: run the suite with test/run.sh, or `eval "$(bash test/bed/docker.sh env)"`');
  }
  return sock;
}

export function testDocker(): Dockerode {
  return new Dockerode({ socketPath: dockerSocket() });
}

/** A host id no other test file uses, so that tests never see each other's containers. */
export function uniqueHostId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Removes every container, network and volume labelled `moor.host=<host>`. */
export async function cleanupHost(docker: Dockerode, host: string): Promise<void> {
  const filters = { label: [`${HOST}=${host}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignore404)));
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(ignore404)));
  const volumes = await docker.listVolumes({ filters });
  await Promise.all((volumes.Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true }).catch(ignore404)));
}

/** Removes containers by name, whoever owns them (for foreign containers a test made). */
export async function removeContainers(docker: Dockerode, names: string[]): Promise<void> {
  await Promise.all(names.map((n) => docker.getContainer(n).remove({ force: true, v: true }).catch(ignore404)));
}

/** Creates (and optionally starts) a container moor does not own: no moor labels at all. */
export async function createForeignContainer(
  docker: Dockerode,
  name: string,
  options: { image?: string; start?: boolean; labels?: Record<string, string> } = {},
): Promise<string> {
  const container = await docker.createContainer({
    name,
    Image: options.image ?? 'local/busybox:1',
    Cmd: ['sleep', '3600'],
    Labels: options.labels ?? {},
    StopTimeout: 1,
    HostConfig: { NetworkMode: 'none' },
  });
  if (options.start) await container.start();
  return container.id;
}

function ignore404(err: unknown): void {
  if (typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === 404) return;
  throw err;
}
