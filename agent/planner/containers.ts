// Plans containers, their images, networks and volumes: what to pull, create, replace, start
// and prune, in dependency order, each change explained. Pure: no I/O, no clock.

import type { ContainerSpec, DependsOn, DesiredState } from '../desired/model.js';
import { LABEL, type ObservedContainer, type ObservedState } from '../contracts/observed.js';
import { foreignInUse, planTakeOver } from './adoption.js';
import type { PlanBuilder } from './builder.js';
import { diffContainerSpecs } from './diff.js';
import { PlanError, type PlanContext } from './context.js';
import type { FieldChange } from './steps.js';

type Decision =
  | { action: 'create'; why: string; fields: FieldChange[]; drift: boolean }
  | { action: 'replace'; old: ObservedContainer; why: string; fields: FieldChange[]; drift: boolean }
  | { action: 'start'; old: ObservedContainer; why: string; drift: boolean }
  | { action: 'keep'; old: ObservedContainer };

/** Compose's default stop grace period, for containers whose spec is not known any more. */
const DEFAULT_STOP_GRACE_MS = 10_000;

/** Suffix of the container that a start-first update brings up beside the old one. */
export const NEXT_SUFFIX = '-moor-next';

export function planContainers(desired: DesiredState, observed: ObservedState, ctx: PlanContext, b: PlanBuilder): void {
  const wanted = [...desired.containers].sort((x, y) => x.name.localeCompare(y.name));
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
  for (const old of [...observed.containers].sort((x, y) => x.name.localeCompare(y.name))) {
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
  networkSteps: ReturnType<typeof planNetworks>;
  volumeSteps: ReturnType<typeof planVolumes>;
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

function decide(
  spec: ContainerSpec,
  old: ObservedContainer | undefined,
  ctx: PlanContext,
  changedNetworks: ReadonlySet<string>,
): Decision {
  const applied = ctx.appliedSpecs[spec.name];
  if (!old) {
    const wasRunning = applied?.hash === spec.hash;
    return {
      action: 'create',
      why: wasRunning ? 'container is missing (removed by hand?)' : 'new service',
      fields: [],
      drift: wasRunning,
    };
  }
  const oldHash = old.labels[LABEL.hash] ?? '';
  if (oldHash !== spec.hash) {
    const fields = applied && applied.hash === oldHash
      ? diffContainerSpecs(applied, spec)
      : [{ field: 'moor.hash', from: oldHash || null, to: spec.hash }];
    const names = fields.map((f) => (f.field.startsWith('file ') ? f.field : f.field.split('.')[0]));
    return { action: 'replace', old, why: `${[...new Set(names)].join(', ')} changed`, fields, drift: false };
  }
  const network = spec.networks.find((n) => changedNetworks.has(n));
  if (network) {
    return { action: 'replace', old, why: `network ${network} is recreated`, fields: [], drift: false };
  }
  const edited = inPlaceEdits(spec, old);
  if (edited.length > 0) {
    return { action: 'replace', old, why: 'changed by hand', fields: edited, drift: true };
  }
  if (old.state === 'running' || old.state === 'restarting' || old.state === 'paused') return { action: 'keep', old };
  if (old.state === 'removing') return { action: 'keep', old };
  if (spec.restart === 'no' && old.exitCode === 0 && old.state === 'exited') return { action: 'keep', old };
  const why = old.state === 'created' ? 'created but never started' : `${old.state} (exit code ${old.exitCode ?? '?'})`;
  return { action: 'start', old, why, drift: true };
}

/** Settings `docker update` can change without recreating the container. */
function inPlaceEdits(spec: ContainerSpec, old: ObservedContainer): FieldChange[] {
  const out: FieldChange[] = [];
  if (old.restartPolicy !== spec.restart) out.push({ field: 'restart', from: old.restartPolicy, to: spec.restart });
  if ((old.memLimitBytes ?? null) !== spec.memLimitBytes) {
    out.push({ field: 'memLimitBytes', from: String(old.memLimitBytes), to: String(spec.memLimitBytes) });
  }
  if ((old.nanoCpus ?? null) !== spec.nanoCpus) {
    out.push({ field: 'nanoCpus', from: String(old.nanoCpus), to: String(spec.nanoCpus) });
  }
  return out;
}

function planPulls(
  wanted: ContainerSpec[],
  decisions: ReadonlyMap<string, Decision>,
  observed: ObservedState,
  ctx: PlanContext,
  b: PlanBuilder,
): string[] {
  const ids: string[] = [];
  const done = new Set<string>();
  for (const spec of wanted) {
    const d = decisions.get(spec.name);
    // A built image is never pulled: builds.ts plans it.
    if (!d || d.action === 'keep' || d.action === 'start' || done.has(spec.image) || spec.build) continue;
    const present = observed.images[spec.image] === true;
    if (spec.pullPolicy === 'never') {
      if (!present) {
        throw new PlanError('IMAGE_MISSING', `image ${spec.image} of ${spec.service} is not present and pull_policy is never`, {
          handling: 'commit',
          data: { service: spec.service, image: spec.image },
        });
      }
      continue;
    }
    if (present && !(spec.pullPolicy === 'always' && ctx.pullAlways)) continue;
    done.add(spec.image);
    b.explain({ kind: 'image', name: spec.image, action: 'pull', why: present ? 'pull_policy: always' : 'not present', fields: [], drift: false });
    ids.push(b.add({ kind: 'pullImage', resource: `image/${spec.image}`, image: spec.image }));
  }
  return ids;
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
  const create = b.add({ kind: 'createContainer', resource, spec: { ...spec, name: next } }, needs);
  const start = b.add({ kind: 'startContainer', resource, name: next }, [create]);
  const healthy = b.add({ kind: 'waitHealthy', resource, name: next }, [start]);
  // Out of the networks' DNS first, so that no new request reaches the old one while it stops.
  const drain = b.add({ kind: 'drainContainer', resource, name: spec.name, containerId: old.id }, [healthy]);
  const stop = b.add(
    { kind: 'stopContainer', resource, name: spec.name, containerId: old.id, timeoutMs: spec.stopGracePeriodMs },
    [drain],
  );
  const remove = b.add({ kind: 'removeContainer', resource, name: spec.name, containerId: old.id }, [stop]);
  startIds.set(spec.service, b.add({ kind: 'renameContainer', resource, containerId: next, from: next, to: spec.name }, [remove]));
}

function planNetworks(
  desired: DesiredState,
  observed: ObservedState,
  ctx: PlanContext,
  b: PlanBuilder,
  changed: Set<string>,
): { creates: Map<string, string>; removals: Map<string, string> } {
  const creates = new Map<string, string>();
  const removals = new Map<string, string>();
  const have = new Map(observed.networks.map((n) => [n.name, n]));
  const wanted = new Set<string>();
  for (const net of desired.networks) {
    if (net.external) continue;
    wanted.add(net.name);
    const resource = `network/${net.name}`;
    const old = have.get(net.name);
    if (old && old.labels[LABEL.hash] === net.hash) continue;
    if (!old && foreignInUse(desired, 'network', net.name, observed)) continue;
    let removal: string | undefined;
    if (old) {
      changed.add(net.name);
      removal = b.add({ kind: 'removeNetwork', resource, name: net.name });
      removals.set(net.name, removal);
    }
    b.explain({ kind: 'network', name: net.name, action: old ? 'replace' : 'create', why: old ? 'options changed' : 'new network', fields: [], drift: false });
    creates.set(net.name, b.add({ kind: 'createNetwork', resource, network: net }, [removal]));
  }
  if (ctx.prune) {
    for (const old of observed.networks) {
      if (wanted.has(old.name)) continue;
      b.explain({ kind: 'network', name: old.name, action: 'remove', why: 'no longer declared', fields: [], drift: false });
      removals.set(old.name, b.add({ kind: 'removeNetwork', resource: `network/${old.name}`, name: old.name }));
    }
  }
  return { creates, removals };
}

function planVolumes(
  desired: DesiredState,
  observed: ObservedState,
  ctx: PlanContext,
  b: PlanBuilder,
): { creates: Map<string, string>; removals: string[] } {
  const creates = new Map<string, string>();
  const removals: string[] = [];
  const have = new Map(observed.volumes.map((v) => [v.name, v]));
  const wanted = new Set<string>();
  for (const vol of desired.volumes) {
    if (vol.external) continue;
    wanted.add(vol.name);
    const old = have.get(vol.name);
    if (old) {
      if (old.labels[LABEL.hash] !== vol.hash) {
        b.explain({ kind: 'volume', name: vol.name, action: 'keep', why: 'options changed, but a volume is never recreated: its data would be lost', fields: [], drift: false });
      }
      continue;
    }
    if (foreignInUse(desired, 'volume', vol.name, observed)) continue;
    b.explain({ kind: 'volume', name: vol.name, action: 'create', why: 'new volume', fields: [], drift: false });
    creates.set(vol.name, b.add({ kind: 'createVolume', resource: `volume/${vol.name}`, volume: vol }));
  }
  if (ctx.prune && desired.pruneVolumes) {
    for (const old of observed.volumes) {
      if (wanted.has(old.name)) continue;
      b.explain({ kind: 'volume', name: old.name, action: 'remove', why: 'no longer declared (prune.volumes is on)', fields: [], drift: false });
      removals.push(b.add({ kind: 'removeVolume', resource: `volume/${old.name}`, name: old.name }));
    }
  }
  return { creates, removals };
}
