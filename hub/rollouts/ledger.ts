// The planner's bookkeeping on a rollout: a copy that shares every untouched host with the
// original, host lookup by name, wave ranges, and phase changes that keep the counters right.
// A pass costs what changed, not the size of the fleet.

import { budgetGroup, rolloutHost, unavailablePhase, type HostPhase, type Rollout, type RolloutHost } from './model.js';

/**
 * The hosts a draft was copied from and the positions updated in it since, so that a store asks
 * for what changed without comparing every host of the rollout at every pass. Beside the rollout,
 * not in it: a rollout is plain data, stored as JSON. The hosts array, not the rollout it belonged
 * to: a rollout would keep its own draft record alive, and with it every state before it.
 */
const drafts = new WeakMap<Rollout, { from: readonly RolloutHost[]; touched: Set<number> }>();

/**
 * Each hosts array's positions by host name. A rollout's hosts keep their positions for its whole
 * life (update replaces a host in place), so a draft shares its original's index: a lookup is one
 * hash probe instead of a binary search that touches a dozen host objects spread over the heap.
 */
const positions = new WeakMap<readonly RolloutHost[], ReadonlyMap<string, number>>();

function positionsOf(hosts: readonly RolloutHost[]): ReadonlyMap<string, number> {
  let p = positions.get(hosts);
  if (p === undefined) {
    p = new Map(hosts.map((h, i) => [h.host, i]));
    positions.set(hosts, p);
  }
  return p;
}

/** A copy to change: hosts, timeline and counters are new arrays/objects; host objects are shared until updated. */
export function draft(rollout: Rollout): Rollout {
  const copy = {
    ...rollout,
    hosts: rollout.hosts.slice(),
    timeline: rollout.timeline.slice(),
    waveCounts: rollout.waveCounts.map((c) => ({ ...c })),
    busy: { ...rollout.busy },
  };
  drafts.set(copy, { from: rollout.hosts, touched: new Set() });
  positions.set(copy.hosts, positionsOf(rollout.hosts));
  return copy;
}

/** Position of `host` in `r.hosts`, or -1. */
export function indexOf(r: Pick<Rollout, 'hosts'>, host: string): number {
  const i = positionsOf(r.hosts).get(host);
  if (i === undefined || r.hosts[i]?.host === host) return i ?? -1;
  // Nothing in the hub reorders a rollout's hosts; an array someone did reorder is indexed again.
  positions.delete(r.hosts);
  return positionsOf(r.hosts).get(host) ?? -1;
}

function waveSize(r: Pick<Rollout, 'waveCounts'>, wave: number): number {
  const c = r.waveCounts[wave];
  if (!c) return 0;
  let n = 0;
  for (const k of Object.keys(c) as HostPhase[]) n += c[k];
  return n;
}

/** [start, end) of the wave's hosts in `r.hosts` (waves are contiguous, in order). */
export function waveRange(r: Pick<Rollout, 'waveCounts'>, wave: number): [number, number] {
  let start = 0;
  for (let w = 0; w < wave; w++) start += waveSize(r, w);
  return [start, start + waveSize(r, wave)];
}

/** Replaces host `i` with a changed copy, moving the phase counters and the budget slots along. */
export function update(r: Rollout, i: number, patch: Partial<Omit<RolloutHost, 'host' | 'wave' | 'labels' | 'branch'>>): RolloutHost | null {
  const h = r.hosts[i];
  if (!h) return null;
  const next = rolloutHost({ ...h, ...patch });
  if (next.phase !== h.phase) {
    const c = r.waveCounts[h.wave];
    if (c) {
      c[h.phase]--;
      c[next.phase]++;
    }
    const group = budgetGroup(r.spec.budget, h);
    if (group !== null) {
      const delta = (unavailablePhase(next.phase) ? 1 : 0) - (unavailablePhase(h.phase) ? 1 : 0);
      if (delta !== 0) r.busy[group] = (r.busy[group] ?? 0) + delta;
    }
  }
  if (next.publishedAt !== null && next.publishedAt !== h.publishedAt && (next.phase === 'waiting' || next.phase === 'reverting')) {
    r.checkTimeoutsAt = Math.min(r.checkTimeoutsAt ?? Number.POSITIVE_INFINITY, next.publishedAt + r.spec.waveTimeoutMs);
  }
  r.hosts[i] = next;
  r.version++;
  drafts.get(r)?.touched.add(i);
  return next;
}

/** Total hosts of a phase over all waves, from the counters. */
export function countOf(r: Pick<Rollout, 'waveCounts'>, phase: HostPhase): number {
  let n = 0;
  for (const c of r.waveCounts) n += c[phase];
  return n;
}

/**
 * Hosts that differ from the earlier state: what a store must write. A draft of `before` knows the
 * positions it updated; any other pair is compared host by host.
 */
export function changedHosts(before: Rollout, after: Rollout): RolloutHost[] {
  if (before.hosts === after.hosts) return [];
  const out: RolloutHost[] = [];
  const d = drafts.get(after);
  if (d?.from === before.hosts && after.hosts.length === before.hosts.length) {
    for (const i of [...d.touched].sort((a, b) => a - b)) {
      const h = after.hosts[i];
      if (h && h !== before.hosts[i]) out.push(h);
    }
    return out;
  }
  for (let i = 0; i < after.hosts.length; i++) {
    const h = after.hosts[i];
    if (h && h !== before.hosts[i]) out.push(h);
  }
  return out;
}

/** Adds a timeline line (and counts as a change). */
export function note(r: Rollout, now: number, text: string): void {
  r.version++;
  r.timeline.push({ at: new Date(now).toISOString(), text });
  // Bounded: the first entries (creation, first waves) and the latest ones are what people read.
  if (r.timeline.length > 400) r.timeline.splice(50, r.timeline.length - 400);
}
