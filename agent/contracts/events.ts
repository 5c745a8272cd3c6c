// The one typed catalogue of events that go upstream to the hub (and into the outbox).
// The reconciler emits these; the reporter stores them in order and delivers them.

import type { ErrorJSON } from './errors.js';
import type { ResourceChange } from './changes.js';

export type AgentEvent =
  | { type: 'sync.started'; commit: string; trigger: string }
  | { type: 'sync.succeeded'; commit: string; changes: number; durationMs: number }
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

/** Where the reconciler sends events; the reporter implements it (a no-op when no hub). */
export interface EventSink {
  emit(event: AgentEvent): void;
}

export const NO_EVENTS: EventSink = { emit: () => undefined };
