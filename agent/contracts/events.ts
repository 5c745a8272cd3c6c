// The one typed catalogue of events that go upstream to the hub (and into the outbox).
// The reconciler emits these; the reporter stores them in order and delivers them.

import type { ErrorJSON } from './errors.js';
import type { ResourceChange } from './changes.js';

export type AgentEvent =
  | { type: 'sync.started'; commit: string; trigger: string }
  /** `diff`: the resources it changed, field by field (secrets redacted), at most SYNC_DIFF_LIMIT. */
  | { type: 'sync.succeeded'; commit: string; changes: number; durationMs: number; diff?: ResourceChange[] }
  | { type: 'sync.failed'; commit: string; error: ErrorJSON }
  | { type: 'sync.rolledBack'; commit: string; to: string; error: ErrorJSON }
  | { type: 'sync.rollbackFailed'; commit: string; to: string; error: ErrorJSON; rollbackError: ErrorJSON }
  | { type: 'commit.invalid'; commit: string; error: ErrorJSON }
  | { type: 'commit.refused'; commit: string; reason: string }
  | { type: 'commit.pending'; commit: string; until: string }
  | { type: 'drift.detected'; changes: ResourceChange[]; healed: boolean }
  | { type: 'source.unreachable'; error: ErrorJSON }
  | { type: 'source.recovered'; head: string }
  | { type: 'agent.suspended'; until: string; reason: string; by?: string }
  | { type: 'agent.resumed'; reason: string; by?: string }
  | { type: 'agent.started'; version: string }
  | { type: 'agent.bug'; commit: string | null; error: ErrorJSON }
  | { type: 'engine.unresponsive'; error: ErrorJSON }
  | { type: 'engine.recovered' }
  | { type: 'events.dropped'; count: number };

export type AgentEventType = AgentEvent['type'];

/**
 * The field-level changes a sync.succeeded event carries: at most 100 resources, 50 fields each,
 * values cut to 1 KiB and about 64 KiB in all, so the event stays far inside the hub's frame
 * limits (the count in `changes` says how many there were).
 */
export function syncDiff(changes: readonly ResourceChange[]): ResourceChange[] {
  const out: ResourceChange[] = [];
  let bytes = 0;
  const cut = (v: string | null): string | null => (v !== null && v.length > 1024 ? `${v.slice(0, 1021)}...` : v);
  for (const c of changes.slice(0, 100)) {
    const small: ResourceChange = { ...c, why: c.why.slice(0, 1024), fields: c.fields.slice(0, 50).map((f) => ({ ...f, from: cut(f.from), to: cut(f.to) })) };
    bytes += JSON.stringify(small).length;
    if (bytes > 64 * 1024) break;
    out.push(small);
  }
  return out;
}

/** Where the reconciler sends events; the reporter implements it (a no-op when no hub). */
export interface EventSink {
  emit(event: AgentEvent): void;
}

export const NO_EVENTS: EventSink = { emit: () => undefined };
