// Plans containers, their images, networks and volumes: what to pull, create, replace, start
// and prune, in dependency order, each change explained. Pure: no I/O, no clock.

import type { ContainerSpec, DependsOn, DesiredState } from '../desired/model.js';
import type { ObservedContainer, ObservedState } from '../contracts/observed.js';
import { planTakeOver } from './adoption.js';
import type { PlanBuilder } from './builder.js';
import { decide, type Decision } from './container-decisions.js';
import type { PlanContext } from './context.js';
import { planPulls } from './image-pulls.js';
import { planNetworks, planVolumes, type NetworkSteps, type VolumeSteps } from './networks-volumes.js';
import { byCodeUnits } from './order.js';

/** Compose's default stop grace period, for containers whose spec is not known any more. */
const DEFAULT_STOP_GRACE_MS = 10_000;

/** Suffix of the container that a start-first update brings up beside the old one. */
export const NEXT_SUFFIX = '-moor-next';

export function planContainers(desired: DesiredState, observed: ObservedState, ctx: PlanContext, b: PlanBuilder): void {
  const wanted = [...desired.containers].sort((x, y) => byCodeUnits(x.name, y.name));
  const changedNetworks = new Set<string>();
  // A compose project taken over loses its containers first; any other name clash is refused.
  const takeOver = planTakeOver(desired, observed, b);
  const networkSteps = planNetworks(desired, observed, ctx, b, changedNetworks);
  const volumeSteps = planVolumes(desired, observed, ctx, b);
  const byName = new Map(observed.containers.map((c) => [c.name, c]));
  const decisions = new Map<string, Decision>(wanted.map((spec) => [spec.name, decide(spec, byName.get(spec.name), ctx, changedNetworks)]));
  // Images first: nothing is stopped before every image it needs is present.
  const pullIds = planPulls(wanted, decisions, observed, ctx, b);
  const pruneRemovals = [...takeOver, ...planPrune(wanted, observed, ctx, b, pullIds)];
  const removeIds = planStopFirst(wanted, decisions, b, pullIds);
  // Networks and volumes are removed once the containers using them are gone.
  for (const removeId of [...networkSteps.removals.values(), ...volumeSteps.removals]) {
    for (const id of [...removeIds.values(), ...pruneRemovals]) b.require(removeId, id);
  }
  const startIds = planCreates(wanted, decisions, { pullIds, networkSteps, volumeSteps, pruneRemovals, removeIds }, b);
  orderStarts(wanted, startIds, b);
}

/** Prune what is no longer declared (it may hold ports or names the new containers need). */
function planPrune(wanted: ContainerSpec[], observed: ObservedState, ctx: PlanContext, b: PlanBuilder, pullIds: string[]): string[] {
  const removals: string[] = [];
  if (!ctx.prune) return removals;
  const wantedNames = new Set(wanted.map((s) => s.name));
  for (const old of [...observed.containers].sort((x, y) => byCodeUnits(x.name, y.name))) {
    if (wantedNames.has(old.name)) continue;
    const resource = `container/${old.name}`;
    const leftover = old.name.endsWith(NEXT_SUFFIX);
    b.explain({
      kind: 'container',
      name: old.name,
      action: 'remove',
      why: leftover ? 'left over from an interrupted start-first update' : 'no longer declared',
      fields: [],
      drift: leftover,
    });
    const timeoutMs = ctx.appliedSpecs[old.name]?.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_MS;
    const stop = b.add({ kind: 'stopContainer', resource, name: old.name, containerId: old.id, timeoutMs }, pullIds);
    removals.push(b.add({ kind: 'removeContainer', resource, name: old.name, containerId: old.id }, [stop]));
  }
  return removals;
}

/** Stop-first replacements: stop dependents before the services they depend on. Returns the removals by name. */
function planStopFirst(wanted: ContainerSpec[], decisions: ReadonlyMap<string, Decision>, b: PlanBuilder, pullIds: string[]): Map<string, string> {
  const stopIds = new Map<string, string>();
  const removeIds = new Map<string, string>();
  for (const spec of wanted) {
    const d = decisions.get(spec.name);
    if (d?.action !== 'replace' || spec.update === 'start-first') continue;
    const resource = `container/${spec.name}`;
    const stop = b.add(
      { kind: 'stopContainer', resource, name: spec.name, containerId: d.old.id, timeoutMs: spec.stopGracePeriodMs },
      pullIds,
    );
    stopIds.set(spec.service, stop);
    removeIds.set(spec.name, b.add({ kind: 'removeContainer', resource, name: spec.name, containerId: d.old.id }, [stop]));
  }
  for (const spec of wanted) {
    const own = stopIds.get(spec.service);
    if (!own) continue;
    for (const dep of spec.dependsOn) {
      const depStop = stopIds.get(dep.service);
      if (depStop) b.require(depStop, own);
    }
  }
  return removeIds;
}

interface CreateNeeds {
  pullIds: string[];
  networkSteps: NetworkSteps;
  volumeSteps: VolumeSteps;
  pruneRemovals: string[];
  removeIds: ReadonlyMap<string, string>;
}

/** Create and start, in depends_on order. Returns the start step of each service. */
function planCreates(wanted: ContainerSpec[], decisions: ReadonlyMap<string, Decision>, n: CreateNeeds, b: PlanBuilder): Map<string, string> {
  const startIds = new Map<string, string>();
  for (const spec of wanted) {
    const d = decisions.get(spec.name);
    if (!d || d.action === 'keep') continue;
    const resource = `container/${spec.name}`;
    if (d.action === 'start') {
      b.explain({ kind: 'container', name: spec.name, action: 'start', why: d.why, fields: [], drift: d.drift });
      startIds.set(spec.service, b.add({ kind: 'startContainer', resource, name: spec.name }, n.pruneRemovals));
      continue;
    }
    b.explain({ kind: 'container', name: spec.name, action: d.action, why: d.why, fields: d.fields, drift: d.drift });
    const needs = [
      n.pullIds.find((id) => id === `pullImage:image/${spec.image}`),
      ...spec.networks.map((net) => n.networkSteps.creates.get(net)),
      ...spec.mounts.map((m) => (m.type === 'volume' ? n.volumeSteps.creates.get(m.source) : undefined)),
      ...n.pruneRemovals,
    ];
    if (d.action === 'replace' && spec.update === 'start-first') {
      planStartFirst(spec, d.old, needs, b, startIds);
      continue;
    }
    const create = b.add({ kind: 'createContainer', resource, spec }, [...needs, n.removeIds.get(spec.name)]);
    startIds.set(spec.service, b.add({ kind: 'startContainer', resource, name: spec.name }, [create]));
  }
  return startIds;
}

/** A service starts after what it depends on; `service_healthy` waits for the healthcheck. */
function orderStarts(wanted: ContainerSpec[], startIds: ReadonlyMap<string, string>, b: PlanBuilder): void {
  const readyIds = new Map<string, string>(); // condition:service -> the wait step planned for it
  for (const spec of wanted) {
    const start = startIds.get(spec.service);
    if (!start) continue;
    for (const dep of spec.dependsOn) {
      const depStart = startIds.get(dep.service);
      if (!depStart) continue;
      b.require(start, readyStep(b, readyIds, wanted, dep, depStart));
    }
  }
}

/**
 * The step after which a dependent may start: the dependency's start, or a wait for it to be
 * healthy (`service_healthy`) or to have run to exit 0 (`service_completed_successfully`).
 */
function readyStep(b: PlanBuilder, readyIds: Map<string, string>, wanted: readonly ContainerSpec[], dep: DependsOn, depStart: string): string {
  if (dep.condition === 'service_started') return depStart;
  const key = `${dep.condition}:${dep.service}`;
  const known = readyIds.get(key);
  if (known) return known;
  const depSpec = wanted.find((s) => s.service === dep.service);
  if (!depSpec) return depStart;
  const kind = dep.condition === 'service_healthy' ? 'waitHealthy' : 'waitCompleted';
  const ready = b.add({ kind, resource: `container/${depSpec.name}`, name: depSpec.name }, [depStart]);
  readyIds.set(key, ready);
  return ready;
}

function planStartFirst(
  spec: ContainerSpec,
  old: ObservedContainer,
  needs: (string | undefined)[],
  b: PlanBuilder,
  startIds: Map<string, string>,
): void {
  const resource = `container/${spec.name}`;
  const next = `${spec.name}${NEXT_SUFFIX}`;
  // Hidden from the service's names until healthy: the engine's DNS would send clients to it as soon as it starts.
  const create = b.add({ kind: 'createContainer', resource, spec: { ...spec, name: next }, hidden: true }, needs);
  const start = b.add({ kind: 'startContainer', resource, name: next }, [create]);
  const healthy = b.add({ kind: 'waitHealthy', resource, name: next }, [start]);
  const { service, networkMode, networks, endpoints, links } = spec;
  const announce = b.add({ kind: 'announceContainer', resource, name: next, endpoints: { service, networkMode, networks, endpoints, links } }, [healthy]);
  // Out of the networks' DNS first, so that no new request reaches the old one while it stops.
  const drain = b.add({ kind: 'drainContainer', resource, name: spec.name, containerId: old.id }, [announce]);
  const stop = b.add(
    { kind: 'stopContainer', resource, name: spec.name, containerId: old.id, timeoutMs: spec.stopGracePeriodMs },
    [drain],
  );
  const remove = b.add({ kind: 'removeContainer', resource, name: spec.name, containerId: old.id }, [stop]);
  startIds.set(spec.service, b.add({ kind: 'renameContainer', resource, containerId: next, from: next, to: spec.name }, [remove]));
}
