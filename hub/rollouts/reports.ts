// What the agents' reports say about a commit: sync events and status snapshots turned into
// one outcome per (host, commit). Pure; the runner keeps the latest few per host.

import type { OutboxEntry } from '../../agent/contracts/hub-protocol.js';
import type { StatusSnapshot } from '../../agent/contracts/status-model.js';
import type { HostOutcome } from './model.js';

const FAILED_RESULTS = new Set(['failed', 'rolled-back', 'rollback-failed', 'invalid', 'refused']);
const OK_RESULTS = new Set(['converged', 'unchanged', 'healed', 'succeeded']);

export function outcomeOfEvent(e: OutboxEntry): HostOutcome | null {
  const ev = e.event;
  switch (ev.type) {
    case 'sync.succeeded':
      return { commit: ev.commit, ok: true, result: 'succeeded', at: e.at, message: '', evidence: ev };
    case 'sync.failed':
      return { commit: ev.commit, ok: false, result: 'failed', at: e.at, message: ev.error.message, evidence: ev };
    case 'sync.rolledBack':
      return { commit: ev.commit, ok: false, result: 'rolled-back', at: e.at, message: ev.error.message, evidence: ev };
    case 'sync.rollbackFailed':
      return { commit: ev.commit, ok: false, result: 'rollback-failed', at: e.at, message: `${ev.error.message}; rollback failed: ${ev.rollbackError.message}`, evidence: ev };
    case 'commit.invalid':
      return { commit: ev.commit, ok: false, result: 'invalid', at: e.at, message: ev.error.message, evidence: ev };
    case 'commit.refused':
      return { commit: ev.commit, ok: false, result: 'refused', at: e.at, message: ev.reason, evidence: ev };
    default:
      return null;
  }
}

/** A status counts as success only when the host runs exactly that commit with nothing unhealthy. */
export function outcomeOfStatus(s: StatusSnapshot): HostOutcome | null {
  const last = s.lastSync;
  if (!last || last.commit === null) return null;
  if (OK_RESULTS.has(last.result)) {
    // Every status of a rollout's hosts comes here: no array is made to find none unhealthy.
    if (s.revision.applied !== last.commit || s.resources.some(unhealthy)) return null;
    return { commit: last.commit, ok: true, result: 'succeeded', at: last.at, message: '', evidence: { lastSync: last } };
  }
  if (FAILED_RESULTS.has(last.result)) {
    return { commit: last.commit, ok: false, result: last.result, at: last.at, message: last.error?.message ?? '', evidence: { lastSync: last, unhealthy: s.resources.filter(unhealthy) } };
  }
  return null;
}

function unhealthy(r: StatusSnapshot['resources'][number]): boolean {
  return r.health === 'unhealthy' || r.health === 'missing' || r.health === 'stopped';
}

/**
 * A success counts once the hub's own view of the host shows it: the agent's sync.succeeded event
 * comes a moment before its status snapshot (debounced), and a rollout must not call a host done
 * (or complete) while the hub still shows it on the old commit. Failures count at once.
 */
export function confirmedOutcome(o: HostOutcome | null, status: StatusSnapshot | null): HostOutcome | null {
  if (!o || !o.ok) return o;
  return status?.revision.applied === o.commit ? o : null;
}

/** host -> commit -> outcome, a few commits per host. */
export class OutcomeBook {
  private readonly byHost = new Map<string, Map<string, HostOutcome>>();

  record(host: string, o: HostOutcome): void {
    let m = this.byHost.get(host);
    if (!m) this.byHost.set(host, (m = new Map()));
    // A status repeating the success the host's latest outcome tells (the same sync) changes nothing
    // (a success's evidence is not shown; a failure's is the latest told).
    const same = m.get(o.commit);
    if (o.ok && same?.ok === true && same.at === o.at && lastKey(m) === o.commit) return;
    m.delete(o.commit);
    m.set(o.commit, o);
    if (m.size > 4) {
      const oldest = m.keys().next().value;
      if (oldest !== undefined) m.delete(oldest);
    }
  }

  /** The outcome about `commit`, else the latest about anything (evidence for a timeout). */
  about(host: string, commit: string | null): HostOutcome | null {
    const m = this.byHost.get(host);
    if (!m) return null;
    if (commit !== null) {
      const o = m.get(commit);
      if (o) return o;
    }
    let last: HostOutcome | null = null;
    for (const o of m.values()) last = o;
    return last;
  }
}

function lastKey(m: ReadonlyMap<string, unknown>): string | undefined {
  let last: string | undefined;
  for (const k of m.keys()) last = k;
  return last;
}
