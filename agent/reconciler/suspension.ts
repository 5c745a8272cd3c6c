// Break-glass suspension: while active, nothing is applied and drift is only reported. It is kept
// in the store (survives restarts), reported upstream, and expires by itself.

import type { EventSink } from '../contracts/events.js';
import type { Store } from '../store/store.js';

import type { SuspensionState } from '../store/state.js';

export type { SuspensionState };

export class Suspension {
  constructor(private readonly deps: { store: Store; events: EventSink; now: () => Date }) {}

  /** The suspension in force, or null; an expired one is lifted (and reported) here. */
  current(): SuspensionState | null {
    const s = this.deps.store.get('suspension');
    if (!s) return null;
    if (Date.parse(s.until) <= this.deps.now().getTime()) {
      this.deps.store.delete('suspension');
      this.deps.events.emit({ type: 'agent.resumed', reason: 'expired' });
      return null;
    }
    return s;
  }

  active(): boolean {
    return this.current() !== null;
  }

  /** `by` says who asked (`local:<user>`, `hub:<operator>`); the same record and event either way. */
  suspend(forMs: number, reason: string, by?: string): SuspensionState {
    const now = this.deps.now();
    const who = by ? { by } : {};
    const state: SuspensionState = { until: new Date(now.getTime() + forMs).toISOString(), reason, since: now.toISOString(), ...who };
    this.deps.store.set('suspension', state);
    this.deps.events.emit({ type: 'agent.suspended', until: state.until, reason, ...who });
    return state;
  }

  resume(reason: string, by?: string): boolean {
    if (!this.deps.store.get('suspension')) return false;
    this.deps.store.delete('suspension');
    this.deps.events.emit({ type: 'agent.resumed', reason, ...(by ? { by } : {}) });
    return true;
  }
}
