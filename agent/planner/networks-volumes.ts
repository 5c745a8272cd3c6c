// Plans the networks and volumes moor owns: create the new, recreate a network whose options
// changed (a volume never: its data would be lost), prune what is no longer declared.

import type { DesiredState } from '../desired/model.js';
import { LABEL, type ObservedState } from '../contracts/observed.js';
import { foreignInUse } from './adoption.js';
import type { PlanBuilder } from './builder.js';
import type { PlanContext } from './context.js';

export interface NetworkSteps {
  creates: Map<string, string>;
  removals: Map<string, string>;
}

export interface VolumeSteps {
  creates: Map<string, string>;
  removals: string[];
}

export function planNetworks(
  desired: DesiredState,
  observed: ObservedState,
  ctx: PlanContext,
  b: PlanBuilder,
  changed: Set<string>,
): NetworkSteps {
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

export function planVolumes(
  desired: DesiredState,
  observed: ObservedState,
  ctx: PlanContext,
  b: PlanBuilder,
): VolumeSteps {
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
