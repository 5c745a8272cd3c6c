// What the commit may do with containers, volumes and networks it wants but does not own:
// take over a docker compose project when the commit says `x-moor: { adopt: true }`, or refuse
// with a message naming the owner. Pure: no I/O, no clock.

import type { ContainerSpec, DesiredState } from '../desired/model.js';
import type { ForeignResource, ObservedState } from '../contracts/observed.js';
import type { PlanBuilder } from './builder.js';
import { PlanError } from './context.js';
import { byCodeUnits } from './order.js';

/** Compose's default stop grace period, for the containers of a project taken over. */
const COMPOSE_STOP_GRACE_MS = 10_000;

const ADOPT_HINT = 'set `x-moor: { adopt: true }` at the top of the compose file, or `adopt: true` in moor.yaml, to take the project over';

/** Who owns a resource moor did not create, in words. */
function ownerOf(r: ForeignResource): string {
  if (r.otherHost !== null) return `the moor agent of host "${r.otherHost}"`;
  if (r.composeProject !== null) return `docker compose project "${r.composeProject}"`;
  return 'nobody moor knows (created by hand or by another tool)';
}

/** Whether the commit takes over what this foreign resource belongs to. */
function adopted(desired: DesiredState, r: ForeignResource, projects: ReadonlySet<string>): boolean {
  return desired.adopt === true && r.otherHost === null && r.composeProject !== null && projects.has(r.composeProject);
}

function projectsOf(desired: DesiredState): Set<string> {
  return new Set([...desired.containers.map((c) => c.project), ...desired.volumes.map((v) => v.project), ...desired.networks.map((n) => n.project)]);
}

/**
 * Stops and removes the containers of the docker compose projects the commit adopts; returns
 * the ids of the removals, which every create waits for (they may hold names and ports).
 * Refuses a container name taken by a container moor does not own, naming its owner.
 */
export function planTakeOver(desired: DesiredState, observed: ObservedState, b: PlanBuilder): string[] {
  const projects = projectsOf(desired);
  const foreign = observed.foreignContainers ?? observed.foreignContainerNames.map((name) => ({ name, id: name, composeProject: null, otherHost: null }));
  const removals: string[] = [];
  for (const c of [...foreign].sort((x, y) => byCodeUnits(x.name, y.name))) {
    if (!adopted(desired, c, projects)) continue;
    const resource = `container/${c.name}`;
    b.explain({ kind: 'container', name: c.name, action: 'remove', why: `taken over from docker compose project "${c.composeProject ?? ''}"`, fields: [], drift: false });
    const stop = b.add({ kind: 'stopContainer', resource, name: c.name, containerId: c.id, timeoutMs: COMPOSE_STOP_GRACE_MS });
    removals.push(b.add({ kind: 'removeContainer', resource, name: c.name, containerId: c.id }, [stop]));
  }
  const byName = new Map(foreign.map((c) => [c.name, c]));
  for (const spec of desired.containers) {
    const clash = byName.get(spec.name);
    if (clash && !adopted(desired, clash, projects)) throw nameConflict(spec, clash);
  }
  return removals;
}

function nameConflict(spec: ContainerSpec, owner: ForeignResource): PlanError {
  const hint = owner.composeProject !== null && owner.otherHost === null ? `; ${ADOPT_HINT}` : '; remove or rename it';
  return new PlanError('NAME_CONFLICT', `container name ${spec.name} is taken by a container moor does not manage: it belongs to ${ownerOf(owner)}${hint}`, {
    handling: 'commit',
    data: { container: spec.name, composeProject: owner.composeProject, otherHost: owner.otherHost },
  });
}

/**
 * Whether a volume or network the commit declares, missing from moor's own, exists all the same:
 * true when the commit adopts its compose project (it is used as it is, data and all);
 * a refusal naming its owner otherwise (creating it again would be a silent no-op every sync).
 */
export function foreignInUse(
  desired: DesiredState,
  kind: 'volume' | 'network',
  name: string,
  observed: ObservedState,
): boolean {
  const list = kind === 'volume' ? observed.foreignVolumes : observed.foreignNetworks;
  const found = list?.find((r) => r.name === name);
  if (!found) return false;
  if (adopted(desired, found, projectsOf(desired))) return true;
  const hint = found.composeProject !== null && found.otherHost === null ? ADOPT_HINT : `remove it, or declare it \`external: true\``;
  throw new PlanError(kind === 'volume' ? 'VOLUME_NOT_OWNED' : 'NETWORK_NOT_OWNED', `${kind} ${name} exists, but moor did not create it: it belongs to ${ownerOf(found)}; ${hint}`, {
    handling: 'commit',
    data: { [kind]: name, composeProject: found.composeProject, otherHost: found.otherHost },
  });
}
