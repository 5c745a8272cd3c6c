// The shapes of a progressive rollout as the hub keeps it: what was asked (spec), where it is
// (status, current wave, each host's phase with the evidence), and the pure helpers on amounts.

export type Amount = number | string;

export interface DisruptionBudget {
  /** Hosts sharing this label's value form one group... */
  label: string;
  /** ...of which at most this many are being updated or failed at once. */
  maxUnavailable: number;
}

export interface RolloutSpec {
  fleetCommit: string;
  fleetSubject: string;
  selector: string;
  /** Cumulative: hosts reached by the end of each wave, a count or a percentage of all hosts. */
  waves: Amount[];
  /** Per wave: a count, or a percentage of the wave's hosts (rounded down). */
  maxFailures: Amount;
  waveTimeoutMs: number;
  pauseMs: number;
  budget: DisruptionBudget | null;
}

export type RolloutStatus = 'running' | 'paused' | 'halted' | 'completed' | 'aborted' | 'reverting' | 'reverted';
export const ACTIVE_STATUSES: readonly RolloutStatus[] = ['running', 'paused', 'halted', 'reverting'];

export type HostPhase = 'pending' | 'publishing' | 'waiting' | 'done' | 'failed' | 'skipped' | 'reverting' | 'reverted' | 'revert-failed';
export const HOST_PHASES: readonly HostPhase[] = ['pending', 'publishing', 'waiting', 'done', 'failed', 'skipped', 'reverting', 'reverted', 'revert-failed'];

export interface RolloutHost {
  host: string;
  branch: string;
  labels: Record<string, string>;
  wave: number;
  phase: HostPhase;
  /** The host-branch commit published for this rollout (what the agent must report). */
  commit: string | null;
  /** The branch tip before the rollout touched it (what a revert puts back). */
  previous: string | null;
  revertCommit: string | null;
  /** ms since the epoch when the commit (or the revert) was pushed. */
  publishedAt: number | null;
  /** Why the host failed or was skipped, in one line; the agent's own words when it sent some. */
  reason: string;
  evidence: unknown;
}

export interface TimelineEntry {
  at: string;
  text: string;
}

export interface Rollout {
  id: number;
  spec: RolloutSpec;
  createdBy: string;
  createdAt: string;
  status: RolloutStatus;
  /** Index of the wave in progress (or the last one, once finished). */
  wave: number;
  waveCount: number;
  waveStartedAt: number | null;
  /** The next wave may start at this time (the pause after a healthy wave). */
  nextWaveAt: number | null;
  hosts: RolloutHost[];
  timeline: TimelineEntry[];
  haltReason: string | null;
  /** Bumped on every change, so the runner stores only what changed. */
  version: number;
  /** Hosts per phase in each wave, kept up to date with every phase change (no rescans). */
  waveCounts: Record<HostPhase, number>[];
  /** Hosts per disruption-budget group that are publishing, waiting or failed. */
  busy: Record<string, number>;
  /** No waiting (or reverting) host can time out before this: hosts are scanned for timeouts only past it. */
  checkTimeoutsAt: number | null;
}

/** A rollout without its hosts: what the list view and the rollouts table row hold. */
export type RolloutHead = Omit<Rollout, 'hosts'>;

/** The latest sync outcome a host reported, about whichever commit it was. */
export interface HostOutcome {
  commit: string;
  ok: boolean;
  /** succeeded, failed, rolled-back, invalid, refused */
  result: string;
  at: string;
  message: string;
  evidence: unknown;
}

export interface HostReport {
  online: boolean;
  outcome: HostOutcome | null;
}

export class RolloutSpecError extends Error {
  readonly code = 'ROLLOUT_SPEC';
  constructor(readonly key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'RolloutSpecError';
  }
}

const PERCENT = /^(\d+(?:\.\d+)?)%$/;

export function checkAmount(key: string, value: unknown): Amount {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const m = PERCENT.exec(value.trim());
    if (m && Number(m[1]) <= 100) return value.trim();
    if (/^\d+$/.test(value.trim())) return Number(value.trim());
  }
  throw new RolloutSpecError(key, `${JSON.stringify(value)} is not a count or a percentage like "10%"`);
}

/** A count stays a count; "p%" of `of`, rounded up (waves) or down (thresholds). */
export function resolveAmount(amount: Amount, of: number, round: 'up' | 'down'): number {
  if (typeof amount === 'number') return amount;
  const m = PERCENT.exec(amount);
  const p = Number(m?.[1] ?? amount);
  const exact = (of * p) / 100;
  // Guards against 0.1 + 0.2 style noise before rounding.
  const fixed = Math.round(exact * 1e9) / 1e9;
  return round === 'up' ? Math.ceil(fixed) : Math.floor(fixed);
}

/** Wave sizes for `total` hosts: cumulative targets, a last wave for the rest, empty waves dropped. */
export function waveSizes(total: number, waves: readonly Amount[]): number[] {
  const sizes: number[] = [];
  let reached = 0;
  for (const w of waves) {
    const target = Math.min(total, resolveAmount(w, total, 'up'));
    if (target > reached) {
      sizes.push(target - reached);
      reached = target;
    }
  }
  if (reached < total) sizes.push(total - reached);
  return sizes;
}

export function allowedFailures(spec: RolloutSpec, waveHosts: number): number {
  return resolveAmount(spec.maxFailures, waveHosts, 'down');
}

/**
 * A host entry built with its fields always in the same order, whoever builds it (creation, an
 * update, a row read back): V8 then gives every entry one shape, and the runner's code that reads
 * them stays optimised instead of being compiled again for each new shape it meets.
 */
export function rolloutHost(h: RolloutHost): RolloutHost {
  return { host: h.host, branch: h.branch, labels: h.labels, wave: h.wave, phase: h.phase, commit: h.commit, previous: h.previous,
    revertCommit: h.revertCommit, publishedAt: h.publishedAt, reason: h.reason, evidence: h.evidence };
}

/** Hosts in wave order: the first `sizes[0]` in wave 0, and so on. */
export function assignWaves(hosts: readonly Omit<RolloutHost, 'wave'>[], waves: readonly Amount[]): { hosts: RolloutHost[]; waveCount: number } {
  const sorted = [...hosts].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const sizes = waveSizes(sorted.length, waves);
  const out: RolloutHost[] = [];
  let i = 0;
  sizes.forEach((size, wave) => {
    for (let k = 0; k < size; k++, i++) {
      const h = sorted[i];
      if (h) out.push(rolloutHost({ ...h, wave }));
    }
  });
  return { hosts: out, waveCount: sizes.length };
}

export function noPhases(): Record<HostPhase, number> {
  return { pending: 0, publishing: 0, waiting: 0, done: 0, failed: 0, skipped: 0, reverting: 0, reverted: 0, 'revert-failed': 0 };
}

export function countPhases(hosts: readonly RolloutHost[]): Record<HostPhase, number> {
  const counts = noPhases();
  for (const h of hosts) counts[h.phase]++;
  return counts;
}

/** Hosts per phase over all waves, from the kept counters. */
export function totalPhases(r: Pick<Rollout, 'waveCounts'>): Record<HostPhase, number> {
  const out = noPhases();
  for (const c of r.waveCounts) for (const p of HOST_PHASES) out[p] += c[p];
  return out;
}

/** Phases that hold a slot of the disruption budget. */
export function unavailablePhase(phase: HostPhase): boolean {
  return phase === 'publishing' || phase === 'waiting' || phase === 'failed';
}

export function budgetGroup(budget: DisruptionBudget | null, h: Pick<RolloutHost, 'labels'>): string | null {
  return budget ? (h.labels[budget.label] ?? '') : null;
}

/** The counters of a rollout computed from its hosts (at creation, and when a rollout is loaded). */
export function summarise(hosts: readonly RolloutHost[], waveCount: number, spec: Pick<RolloutSpec, 'budget' | 'waveTimeoutMs'>): Pick<Rollout, 'waveCounts' | 'busy' | 'checkTimeoutsAt'> {
  const waveCounts = Array.from({ length: waveCount }, () => noPhases());
  const busy: Record<string, number> = {};
  let checkTimeoutsAt: number | null = null;
  for (const h of hosts) {
    const c = waveCounts[h.wave];
    if (c) c[h.phase]++;
    const group = budgetGroup(spec.budget, h);
    if (group !== null && unavailablePhase(h.phase)) busy[group] = (busy[group] ?? 0) + 1;
    if ((h.phase === 'waiting' || h.phase === 'reverting') && h.publishedAt !== null) {
      checkTimeoutsAt = Math.min(checkTimeoutsAt ?? Number.POSITIVE_INFINITY, h.publishedAt + spec.waveTimeoutMs);
    }
  }
  return { waveCounts, busy, checkTimeoutsAt };
}
