// PURE: the rollout state machine. (rollout, what the hosts reported, the time) -> the next
// rollout state and the effects the runner must carry out. No I/O, no clock of its own.
// A pass reads only the hosts whose reports changed (the keys of `reports`), plus the current
// wave's hosts when one may have timed out; counters (ledger.ts) replace rescans of the fleet.

import { countOf, draft, indexOf, note, update, waveRange } from './ledger.js';
import { allowedFailures, budgetGroup, type HostReport, type Rollout, type RolloutHost } from './model.js';

export type { Command, Decision, Effect } from './decision.js';
import type { Command, Decision, Effect } from './decision.js';

export type PublishStatus = 'published' | 'created' | 'unchanged' | 'hand-edited' | 'rejected';
export interface PublishResult {
  host: string;
  status: PublishStatus;
  commit: string | null;
  previous: string | null;
  detail: string;
}

/** Any host's report (online, latest outcome), for hosts outside the changed set. */
export type ReportLookup = (host: string) => HostReport;

const NO_REPORT: HostReport = { online: false, outcome: null };

/** Reads the changed reports, about exactly the commit each waiting (or reverting) host was given; then timeouts. */
function observe(r: Rollout, reports: ReadonlyMap<string, HostReport>, lookup: ReportLookup, now: number, withTimeouts: boolean): void {
  for (const [host, report] of reports) {
    const i = indexOf(r, host);
    if (i >= 0) observeHost(r, i, report.outcome, now, false);
  }
  if (withTimeouts && r.checkTimeoutsAt !== null && now >= r.checkTimeoutsAt) scanTimeouts(r, lookup, now);
}

/** Times out the hosts past their deadline, and moves the next check to the earliest one left. */
function scanTimeouts(r: Rollout, lookup: ReportLookup, now: number): void {
  const [start, end] = r.status === 'reverting' ? [0, r.hosts.length] : waveRange(r, r.wave);
  let next = Number.POSITIVE_INFINITY;
  for (let i = start; i < end; i++) {
    const h = r.hosts[i];
    if (!h || (h.phase !== 'waiting' && h.phase !== 'reverting')) continue;
    const after = observeHost(r, i, lookup(h.host).outcome, now, true);
    if (after && (after.phase === 'waiting' || after.phase === 'reverting') && after.publishedAt !== null) next = Math.min(next, after.publishedAt + r.spec.waveTimeoutMs);
  }
  r.checkTimeoutsAt = Number.isFinite(next) ? next : null;
}

function observeHost(r: Rollout, i: number, outcome: HostReport['outcome'], now: number, withTimeouts: boolean): RolloutHost | null {
  const h = r.hosts[i];
  if (!h || (h.phase !== 'waiting' && h.phase !== 'reverting')) return h ?? null;
  const reverting = h.phase === 'reverting';
  const expected = reverting ? h.revertCommit : h.commit;
  if (outcome && expected !== null && outcome.commit === expected) {
    if (outcome.ok) return update(r, i, { phase: reverting ? 'reverted' : 'done' });
    return update(r, i, { phase: reverting ? 'revert-failed' : 'failed', reason: `${outcome.result}${outcome.message ? `: ${outcome.message}` : ''}`, evidence: outcome.evidence });
  }
  if (withTimeouts && h.publishedAt !== null && now - h.publishedAt >= r.spec.waveTimeoutMs) {
    return update(r, i, {
      phase: reverting ? 'revert-failed' : 'failed',
      reason: `timeout: no report of ${expected?.slice(0, 12) ?? '?'} applied within ${Math.round(r.spec.waveTimeoutMs / 1000)}s`,
      // What the host said last (about another commit), if anything: the evidence of a silent host.
      evidence: outcome ? { lastReport: outcome } : null,
    });
  }
  return h;
}

function startWave(r: Rollout, reports: ReadonlyMap<string, HostReport>, lookup: ReportLookup, now: number): void {
  r.waveStartedAt = now;
  r.nextWaveAt = null;
  let skipped = 0;
  const [start, end] = waveRange(r, r.wave);
  for (let i = start; i < end; i++) {
    const h = r.hosts[i];
    if (!h || h.phase !== 'pending') continue;
    if (!(reports.get(h.host) ?? lookup(h.host)).online) {
      update(r, i, { phase: 'skipped', reason: 'offline at the start of its wave' });
      skipped++;
    }
  }
  note(r, now, `wave ${r.wave + 1}/${r.waveCount} started: ${end - start} host(s)${skipped ? `, ${skipped} offline and skipped` : ''}`);
}

/** Picks the wave's pending hosts the disruption budget lets through now. */
function toPublish(r: Rollout): string[] {
  const out: string[] = [];
  if ((r.waveCounts[r.wave]?.pending ?? 0) === 0) return out;
  const max = r.spec.budget?.maxUnavailable ?? Number.POSITIVE_INFINITY;
  const [start, end] = waveRange(r, r.wave);
  for (let i = start; i < end; i++) {
    const h = r.hosts[i];
    if (!h || h.phase !== 'pending') continue;
    const group = budgetGroup(r.spec.budget, h);
    if (group !== null && (r.busy[group] ?? 0) >= max) continue;
    update(r, i, { phase: 'publishing' });
    out.push(h.host);
  }
  return out;
}

function hostsIn(r: Rollout, phase: RolloutHost['phase'], limit: number, wave: number | null = null): RolloutHost[] {
  const [start, end] = wave === null ? [0, r.hosts.length] : waveRange(r, wave);
  const out: RolloutHost[] = [];
  for (let i = start; i < end && out.length < limit; i++) {
    const h = r.hosts[i];
    if (h?.phase === phase) out.push(h);
  }
  return out;
}

function halt(r: Rollout, now: number, reason: string, effects: Effect[]): void {
  r.status = 'halted';
  r.haltReason = reason;
  note(r, now, `halted: ${reason}`);
  effects.push({ kind: 'alert', event: 'halted', text: `rollout ${r.id} of ${r.spec.fleetCommit.slice(0, 12)} halted: ${reason}` });
}

/** One pass over a running rollout; loops so that a wave with no pause starts in the same call. */
function drive(r: Rollout, reports: ReadonlyMap<string, HostReport>, lookup: ReportLookup, now: number, effects: Effect[]): void {
  for (let guard = 0; guard <= r.waveCount; guard++) {
    if (r.waveStartedAt === null) {
      if (r.nextWaveAt !== null && now < r.nextWaveAt) return;
      startWave(r, reports, lookup, now);
    }
    const [start, end] = waveRange(r, r.wave);
    const c = r.waveCounts[r.wave];
    if (!c) return;
    const allowed = allowedFailures(r.spec, end - start);
    if (c.failed > allowed) {
      const failed = hostsIn(r, 'failed', 5, r.wave);
      halt(r, now, `${c.failed} host(s) failed in wave ${r.wave + 1} (at most ${allowed} allowed): ${failed.map((h) => `${h.host} (${h.reason})`).join('; ')}`, effects);
      return;
    }
    const hosts = toPublish(r);
    if (hosts.length > 0) effects.push({ kind: 'publish', hosts });
    const open = c.pending + c.publishing + c.waiting;
    if (open > 0) {
      if (open === c.pending) {
        const key = r.spec.budget?.label ?? '';
        halt(r, now, `disruption budget: failed hosts keep ${key} group(s) at maxUnavailable ${r.spec.budget?.maxUnavailable ?? 0}; ${open} host(s) cannot be updated`, effects);
      }
      return;
    }
    note(r, now, `wave ${r.wave + 1}/${r.waveCount} healthy: ${c.done} done, ${c.failed} failed, ${c.skipped} skipped`);
    if (r.wave + 1 >= r.waveCount) {
      r.status = 'completed';
      note(r, now, 'completed');
      effects.push({ kind: 'alert', event: 'completed', text: `rollout ${r.id} of ${r.spec.fleetCommit.slice(0, 12)} completed: ${countOf(r, 'done')} done, ${countOf(r, 'failed')} failed, ${countOf(r, 'skipped')} skipped` });
      return;
    }
    r.wave++;
    r.waveStartedAt = null;
    r.nextWaveAt = now + r.spec.pauseMs;
  }
}

function finishRevert(r: Rollout, now: number, effects: Effect[]): void {
  if (countOf(r, 'reverting') > 0) return;
  r.status = 'reverted';
  const failed = countOf(r, 'revert-failed');
  const text = `reverted: ${countOf(r, 'reverted')} host(s) back on their previous tree${failed ? `, ${failed} did not converge (${hostsIn(r, 'revert-failed', 5).map((h) => h.host).join(', ')})` : ''}`;
  note(r, now, text);
  effects.push({ kind: 'alert', event: 'reverted', text: `rollout ${r.id}: ${text}` });
}

/**
 * The next state of `rollout` given the reports that changed since the last pass (`reports`; every
 * host in it is read) at `now` (ms); `lookup` answers for the other hosts (who is online when a
 * wave starts, what a timed-out host said last). Does not modify its input.
 */
export function decide(rollout: Rollout, reports: ReadonlyMap<string, HostReport>, now: number, lookup: ReportLookup = (h) => reports.get(h) ?? NO_REPORT): Decision {
  const r = draft(rollout);
  const effects: Effect[] = [];
  switch (r.status) {
    case 'running':
      observe(r, reports, lookup, now, true);
      drive(r, reports, lookup, now, effects);
      break;
    case 'paused':
    case 'halted':
      observe(r, reports, lookup, now, false);
      break;
    case 'reverting':
      observe(r, reports, lookup, now, true);
      if (r.hosts.some((h) => h.phase === 'reverting' && h.revertCommit === null)) break;
      finishRevert(r, now, effects);
      break;
    case 'completed':
    case 'aborted':
    case 'reverted':
      break;
  }
  return { rollout: r, effects };
}

/** Records what the push of a wave did for each host. */
export function published(rollout: Rollout, results: readonly PublishResult[], now: number): Rollout {
  const r = draft(rollout);
  const counts = new Map<string, number>();
  for (const res of results) {
    const i = indexOf(r, res.host);
    const h = r.hosts[i];
    if (!h || h.phase !== 'publishing') continue;
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    const previous = h.previous ?? res.previous;
    if (res.status === 'hand-edited') {
      update(r, i, { previous, phase: 'skipped', reason: 'hand-edited: the host branch was changed by hand since the last publish', evidence: { detail: res.detail } });
    } else if (res.status === 'rejected' || res.commit === null) {
      update(r, i, { previous, phase: 'failed', reason: `push refused: ${res.detail}`, evidence: { detail: res.detail } });
    } else {
      update(r, i, { previous, phase: 'waiting', commit: res.commit, publishedAt: now });
    }
  }
  note(r, now, `published ${results.length} host branch(es): ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  return r;
}

/** A publish that could not run at all: the hosts go back to pending, to be tried on the next pass. */
export function publishFailed(rollout: Rollout, hosts: readonly string[], now: number, message: string): Rollout {
  const r = draft(rollout);
  for (const host of hosts) {
    const i = indexOf(r, host);
    if (r.hosts[i]?.phase === 'publishing') update(r, i, { phase: 'pending' });
  }
  note(r, now, `publishing failed, will retry: ${message}`);
  return r;
}

/** Records the forward commits that put each host back; hosts without one are left as they are. */
export function revertPublished(rollout: Rollout, results: readonly { host: string; commit: string | null; detail: string }[], now: number): Rollout {
  const r = draft(rollout);
  for (const res of results) {
    const i = indexOf(r, res.host);
    if (r.hosts[i]?.phase !== 'reverting') continue;
    if (res.commit === null) update(r, i, { phase: 'revert-failed', reason: `revert push failed: ${res.detail}` });
    else update(r, i, { revertCommit: res.commit, publishedAt: now });
  }
  note(r, now, `revert pushed for ${results.filter((x) => x.commit !== null).length} host(s)`);
  return r;
}

export { command, RolloutCommandError } from './commands.js';
export { recovered, type BranchTip } from './recovery.js';
