// Reads what moor does not own but must know about: containers of other owners (a docker compose
// project to take over, a name clash to refuse) and volumes and networks named like the commit's.

import type Dockerode from 'dockerode';
import { COMPOSE_PROJECT_LABEL, LABEL, type ForeignResource } from '../../contracts/observed.js';
import { statusOf, toDockerError } from './docker-errors.js';

export interface ForeignNamed {
  volumes: ForeignResource[];
  networks: ForeignResource[];
}

/** A resource described by its labels, unless this agent owns it. */
export function foreignOf(name: string, id: string, labels: Record<string, string> | undefined, host: string): ForeignResource | null {
  const l = labels ?? {};
  const managed = l[LABEL.managed] === 'true';
  if (managed && l[LABEL.host] === host) return null;
  return { name, id, composeProject: l[COMPOSE_PROJECT_LABEL] ?? null, otherHost: managed ? (l[LABEL.host] ?? '') : null };
}

/** The volumes and networks of these names that exist on the engine but are not this agent's. */
export async function findForeignNamed(
  docker: Dockerode,
  names: { volumes: string[]; networks: string[] },
  host: string,
): Promise<ForeignNamed> {
  const volumes: ForeignResource[] = [];
  for (const name of names.volumes) {
    try {
      const v = await docker.getVolume(name).inspect();
      const f = foreignOf(v.Name, v.Name, v.Labels ?? undefined, host);
      if (f) volumes.push(f);
    } catch (err) {
      if (statusOf(err) !== 404) throw toDockerError(err, 'inspect', { volume: name });
    }
  }
  const networks: ForeignResource[] = [];
  for (const name of names.networks) {
    try {
      const n = await docker.getNetwork(name).inspect();
      // The engine resolves a network by id prefix too: only an exact name is the same network.
      if (n.Name !== name) continue;
      const f = foreignOf(n.Name, n.Id, n.Labels ?? undefined, host);
      if (f) networks.push(f);
    } catch (err) {
      if (statusOf(err) !== 404) throw toDockerError(err, 'inspect', { network: name });
    }
  }
  return { volumes, networks };
}
