// Drains the outbox to the hub: one batch in flight at a time, the next once the hub has
// acknowledged the previous one. When the hub offered 'events-status', an event that changes
// nothing the hub shows (a sync's start) lingers up to LINGER_MS for company: a sync that ends
// within it is one frame (its start, its outcome and the status), not three, and an event that
// changes the status goes at once, with it (reporter-timers.ts).

import { send, type ReporterContext } from './reporter-context.js';
import type { StatusPart } from './lean-status.js';

/**
 * How long an event that changes no status waits for others before it goes alone: the hub hears
 * of a sync's start at most this late, and of a short sync once, with its outcome.
 */
export const LINGER_MS = 5000;

/**
 * Sends the next batch of stored events unless one awaits its ack; `status`, asked only when the
 * batch goes, rides on it. True when a batch went.
 */
export function pump(ctx: ReporterContext, status: (() => StatusPart) | null = null): boolean {
  const { state } = ctx;
  if (!state.ready || state.inFlight !== null) return false;
  const events = ctx.outbox.read(state.sentUpTo, ctx.tuning.batchSize);
  const last = events[events.length - 1];
  if (!last) return false;
  send(ctx, status ? { t: 'events', events, ...status() } : { t: 'events', events });
  state.sentUpTo = last.seq;
  state.inFlight = last.seq;
  if (state.timers.linger) clearTimeout(state.timers.linger);
  state.timers.linger = null;
  return true;
}

/** Sends the outbox within LINGER_MS (at once when the hub did not offer 'events-status'). */
export function pumpSoon(ctx: ReporterContext): void {
  const { state } = ctx;
  if (!state.eventsStatus) {
    pump(ctx);
    return;
  }
  if (state.timers.linger || !state.ready) return;
  state.timers.linger = setTimeout(() => {
    state.timers.linger = null;
    pump(ctx);
  }, LINGER_MS);
}

/** The hub acknowledged events up to `seq`: drop them and send what follows. */
export function acknowledged(ctx: ReporterContext, seq: number): void {
  ctx.outbox.ack(seq);
  if (ctx.state.inFlight !== null && seq >= ctx.state.inFlight) ctx.state.inFlight = null;
  pump(ctx);
}
