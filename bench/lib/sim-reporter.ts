// One simulated agent's reporter for the rollout simulation: what the real reporter
// (agent/reporter/) sends for a sync, with its timings: sync.started when the apply starts,
// sync.succeeded when it ends, and the status STATUS_DEBOUNCE_MS after that; one events batch in
// flight until its ack; with a hub offering 'events-status', an event that changes no status lingers
// LINGER_MS for company and the status rides on the batch of the event that changed it.

import { LINGER_MS } from '../../agent/reporter/outbox-flush.js';
import { STATUS_DEBOUNCE_MS } from '../../agent/reporter/reporter-timers.js';

interface Entry {
  seq: number;
  at: string;
  event: { type: string; commit: string } & Record<string, unknown>;
}

export interface SimReporterDeps {
  send(text: string): void;
  /** The status part of a frame ({status} or {status, resources: 'unchanged'}), as JSON members without braces. */
  statusMembers(): string;
}

export class SimReporter {
  private seq = 0;
  private unsent: Entry[] = [];
  private inFlight: number | null = null;
  private linger: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  /** The hub's welcome offered 'events-status'. */
  eventsStatus = false;

  constructor(private readonly deps: SimReporterDeps) {}

  /** As the reporter's emit: `changesStatus` for the events after which a status is sent. */
  emit(event: Entry['event'], changesStatus: boolean): void {
    this.unsent.push({ seq: ++this.seq, at: new Date().toISOString(), event });
    if (changesStatus) this.scheduleStatus();
    if (changesStatus && this.eventsStatus) return;
    if (!this.eventsStatus) this.pump(false);
    else this.linger ??= setTimeout(() => {
      this.linger = null;
      this.pump(false);
    }, LINGER_MS);
  }

  acked(seq: number): void {
    if (this.inFlight !== null && seq >= this.inFlight) this.inFlight = null;
    this.pump(false);
  }

  private scheduleStatus(): void {
    this.statusTimer ??= setTimeout(() => {
      this.statusTimer = null;
      if (this.eventsStatus && this.pump(true)) return;
      this.deps.send(`{"t":"status",${this.deps.statusMembers()}}`);
    }, STATUS_DEBOUNCE_MS);
  }

  private pump(withStatus: boolean): boolean {
    const last = this.unsent[this.unsent.length - 1];
    if (this.inFlight !== null || !last) return false;
    const events = JSON.stringify(this.unsent);
    this.deps.send(withStatus ? `{"t":"events","events":${events},${this.deps.statusMembers()}}` : `{"t":"events","events":${events}}`);
    this.unsent = [];
    this.inFlight = last.seq;
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    return true;
  }
}
