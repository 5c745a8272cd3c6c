// PURE: the rollout state machine. (rollout, what the hosts reported, the time) -> the next
// rollout state and the effects the runner must carry out. No I/O, no clock of its own.

import { allowedFailures, type HostReport, type Rollout, type RolloutHost } from './model.js';

export type Effect =
  | { kind: 'publish'; hosts: string[] }
  | { kind: 'revert'; hosts: string[] }
  | { kind: 'alert'; event: 'halted' | 'completed' | 'reverted'; text: string };

export interface Decision {
  rollout: Rollout;
  effects: Effect[];
}

export type Command = { kind: 'pause' } | { kind: 'resume' } | { kind: 'abort'; revert: boolean };

export type PublishStatus = 'published' | 'created' | 'unchanged' | 'hand-edited' | 'rejected';
export interface PublishResult {
  host: string;
  status: PublishStatus;
  commit: string | null;
  previous: string | null;
  detail: string;
}

const NO_REPORT: HostReport = { online: false, outcome: null };

function note(r: Rollout, now: number, text: string): void {
  r.version++;
  r.timeline.push({ at: new Date(now).toISOString(), text });
  // Bounded: the first entries (creation, first waves) and the latest ones are what people read.
  if (r.timeline.length > 400) r.timeline.splice(50, r.timeline.length - 400);
}

/** Reads reports about exactly the commit each waiting (or reverting) host was given. */
function observe(r: Rollout, reports: ReadonlyMap<string, HostReport>, now: number, withTimeouts: boolean): void {
  for (const h of r.hosts) {
    const reverting = h.phase === 'reverting';
    if (h.phase !== 'waiting' && !reverting) continue;
    const expected = reverting ? h.revertCommit : h.commit;
    const outcome = (reports.get(h.host) ?? NO_REPORT).outcome;
    const before = h.phase;
    observeHost(r, h, outcome, expected, now, withTimeouts);
    if (h.phase !== before) r.version++;
  }
}

function observeHost(r: Rollout, h: RolloutHost, outcome: HostReport['outcome'], expected: string | null, now: number, withTimeouts: boolean): void {
  const reverting = h.phase === 'reverting';
  if (outcome && expected !== null && outcome.commit === expected) {
    if (outcome.ok) h.phase = reverting ? 'reverted' : 'done';
    else {
      h.phase = reverting ? 'revert-failed' : 'failed';
      h.reason = `${outcome.result}${outcome.message ? `: ${outcome.message}` : ''}`;
      h.evidence = outcome.evidence;
    }
    return;
  }
  if (withTimeouts && h.publishedAt !== null && now - h.publishedAt >= r.spec.waveTimeoutMs) {
    h.phase = reverting ? 'revert-failed' : 'failed';
    h.reason = `timeout: no report of ${expected?.slice(0, 12) ?? '?'} applied within ${Math.round(r.spec.waveTimeoutMs / 1000)}s`;
    // What the host said last (about another commit), if anything: the evidence of a silent host.
    h.evidence = outcome ? { lastReport: outcome } : null;
  }
}

function budgetKey(r: Rollout, h: RolloutHost): string | null {
  const b = r.spec.budget;
  return b ? (h.labels[b.label] ?? '') : null;
}

/** Hosts per budget group that are being updated or failed (unavailable). */
function unavailable(r: Rollout): Map<string, number> {
  const out = new Map<string, number>();
  for (const h of r.hosts) {
    if (h.phase !== 'publishing' && h.phase !== 'waiting' && h.phase !== 'failed') continue;
    const key = budgetKey(r, h);
    if (key !== null) out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function startWave(r: Rollout, reports: ReadonlyMap<string, HostReport>, now: number): void {
  r.waveStartedAt = now;
  r.nextWaveAt = null;
  let skipped = 0;
  for (const h of r.hosts) {
    if (h.wave !== r.wave || h.phase !== 'pending') continue;
    if (!(reports.get(h.host) ?? NO_REPORT).online) {
      h.phase = 'skipped';
      h.reason = 'offline at the start of its wave';
      skipped++;
    }
  }
  const size = r.hosts.filter((h) => h.wave === r.wave).length;
  note(r, now, `wave ${r.wave + 1}/${r.waveCount} started: ${size} host(s)${skipped ? `, ${skipped} offline and skipped` : ''}`);
}

/** Picks the wave's pending hosts the disruption budget lets through now. */
function toPublish(r: Rollout): string[] {
  const busy = unavailable(r);
  const max = r.spec.budget?.maxUnavailable ?? Number.POSITIVE_INFINITY;
  const out: string[] = [];
  for (const h of r.hosts) {
    if (h.wave !== r.wave || h.phase !== 'pending') continue;
    const key = budgetKey(r, h);
    if (key !== null) {
      const n = busy.get(key) ?? 0;
      if (n >= max) continue;
      busy.set(key, n + 1);
    }
    h.phase = 'publishing';
    out.push(h.host);
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
function drive(r: Rollout, reports: ReadonlyMap<string, HostReport>, now: number, effects: Effect[]): void {
  for (let guard = 0; guard <= r.waveCount; guard++) {
    if (r.waveStartedAt === null) {
      if (r.nextWaveAt !== null && now < r.nextWaveAt) return;
      startWave(r, reports, now);
    }
    const wave = r.hosts.filter((h) => h.wave === r.wave);
    const failed = wave.filter((h) => h.phase === 'failed');
    const allowed = allowedFailures(r.spec, wave.length);
    if (failed.length > allowed) {
      halt(r, now, `${failed.length} host(s) failed in wave ${r.wave + 1} (at most ${allowed} allowed): ${failed.slice(0, 5).map((h) => `${h.host} (${h.reason})`).join('; ')}`, effects);
      return;
    }
    const hosts = toPublish(r);
    if (hosts.length > 0) effects.push({ kind: 'publish', hosts });
    const open = wave.filter((h) => h.phase === 'pending' || h.phase === 'publishing' || h.phase === 'waiting');
    if (open.length > 0) {
      if (open.every((h) => h.phase === 'pending')) {
        const key = r.spec.budget?.label ?? '';
        halt(r, now, `disruption budget: failed hosts keep ${key} group(s) at maxUnavailable ${r.spec.budget?.maxUnavailable ?? 0}; ${open.length} host(s) cannot be updated`, effects);
      }
      return;
    }
    const done = wave.filter((h) => h.phase === 'done').length;
    const skipped = wave.filter((h) => h.phase === 'skipped').length;
    note(r, now, `wave ${r.wave + 1}/${r.waveCount} healthy: ${done} done, ${failed.length} failed, ${skipped} skipped`);
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

function countOf(r: Rollout, phase: RolloutHost['phase']): number {
  return r.hosts.filter((h) => h.phase === phase).length;
}

function finishRevert(r: Rollout, now: number, effects: Effect[]): void {
  if (r.hosts.some((h) => h.phase === 'reverting')) return;
  r.status = 'reverted';
  const bad = r.hosts.filter((h) => h.phase === 'revert-failed');
  const text = `reverted: ${countOf(r, 'reverted')} host(s) back on their previous tree${bad.length ? `, ${bad.length} did not converge (${bad.slice(0, 5).map((h) => h.host).join(', ')})` : ''}`;
  note(r, now, text);
  effects.push({ kind: 'alert', event: 'reverted', text: `rollout ${r.id}: ${text}` });
}

/** The next state of `rollout` given the hosts' reports at `now` (ms). Does not modify its input. */
export function decide(rollout: Rollout, reports: ReadonlyMap<string, HostReport>, now: number): Decision {
  const r = structuredClone(rollout);
  const effects: Effect[] = [];
  switch (r.status) {
    case 'running':
      observe(r, reports, now, true);
      drive(r, reports, now, effects);
      break;
    case 'paused':
    case 'halted':
      observe(r, reports, now, false);
      break;
    case 'reverting':
      observe(r, reports, now, true);
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
  const r = structuredClone(rollout);
  const byHost = new Map(r.hosts.map((h) => [h.host, h]));
  const counts = new Map<string, number>();
  for (const res of results) {
    const h = byHost.get(res.host);
    if (!h || h.phase !== 'publishing') continue;
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    h.previous = h.previous ?? res.previous;
    if (res.status === 'hand-edited') {
      Object.assign(h, { phase: 'skipped', reason: 'hand-edited: the host branch was changed by hand since the last publish', evidence: { detail: res.detail } });
    } else if (res.status === 'rejected' || res.commit === null) {
      Object.assign(h, { phase: 'failed', reason: `push refused: ${res.detail}`, evidence: { detail: res.detail } });
    } else {
      Object.assign(h, { phase: 'waiting', commit: res.commit, publishedAt: now });
    }
  }
  note(r, now, `published ${results.length} host branch(es): ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  return r;
}

/** A publish that could not run at all: the hosts go back to pending, to be tried on the next pass. */
export function publishFailed(rollout: Rollout, hosts: readonly string[], now: number, message: string): Rollout {
  const r = structuredClone(rollout);
  const set = new Set(hosts);
  for (const h of r.hosts) if (set.has(h.host) && h.phase === 'publishing') h.phase = 'pending';
  note(r, now, `publishing failed, will retry: ${message}`);
  return r;
}

/** Records the forward commits that put each host back; hosts without one are left as they are. */
export function revertPublished(rollout: Rollout, results: readonly { host: string; commit: string | null; detail: string }[], now: number): Rollout {
  const r = structuredClone(rollout);
  const byHost = new Map(r.hosts.map((h) => [h.host, h]));
  for (const res of results) {
    const h = byHost.get(res.host);
    if (!h || h.phase !== 'reverting') continue;
    if (res.commit === null) Object.assign(h, { phase: 'revert-failed', reason: `revert push failed: ${res.detail}` });
    else Object.assign(h, { revertCommit: res.commit, publishedAt: now });
  }
  note(r, now, `revert pushed for ${results.filter((x) => x.commit !== null).length} host(s)`);
  return r;
}

export class RolloutCommandError extends Error {
  readonly code = 'ROLLOUT_COMMAND';
  constructor(message: string) {
    super(message);
    this.name = 'RolloutCommandError';
  }
}

/** pause, resume, abort [--revert]: the new state and the effects (a revert to push). */
export function command(rollout: Rollout, cmd: Command, now: number, by: string): Decision {
  const r = structuredClone(rollout);
  const effects: Effect[] = [];
  const refuse = (why: string): never => {
    throw new RolloutCommandError(`cannot ${cmd.kind} rollout ${r.id}: ${why}`);
  };
  if (cmd.kind === 'pause') {
    if (r.status !== 'running') refuse(`it is ${r.status}`);
    r.status = 'paused';
    note(r, now, `paused by ${by}`);
  } else if (cmd.kind === 'resume') {
    if (r.status !== 'paused') refuse(`it is ${r.status}${r.status === 'halted' ? ' (abort it, or abort --revert)' : ''}`);
    r.status = 'running';
    // Time spent paused does not count against hosts still waiting.
    for (const h of r.hosts) if (h.phase === 'waiting' && h.publishedAt !== null) h.publishedAt = now;
    note(r, now, `resumed by ${by}`);
  } else {
    if (!['running', 'paused', 'halted'].includes(r.status) && !(cmd.revert && (r.status === 'completed' || r.status === 'aborted'))) refuse(`it is ${r.status}`);
    if (!cmd.revert) {
      r.status = 'aborted';
      for (const h of r.hosts) if (h.phase === 'pending') Object.assign(h, { phase: 'skipped', reason: 'rollout aborted' });
      note(r, now, `aborted by ${by}`);
    } else {
      r.status = 'reverting';
      const hosts: string[] = [];
      for (const h of r.hosts) {
        if (h.phase === 'pending' || h.phase === 'publishing') Object.assign(h, { phase: 'skipped', reason: 'rollout aborted' });
        if ((h.phase === 'waiting' || h.phase === 'done' || h.phase === 'failed') && h.previous !== null && h.commit !== null && h.commit !== h.previous) {
          Object.assign(h, { phase: 'reverting', revertCommit: null, publishedAt: null });
          hosts.push(h.host);
        }
      }
      note(r, now, `aborted by ${by}, reverting ${hosts.length} host(s)`);
      if (hosts.length > 0) effects.push({ kind: 'revert', hosts });
    }
  }
  return { rollout: r, effects };
}
