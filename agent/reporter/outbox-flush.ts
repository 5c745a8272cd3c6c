// Drains the outbox to the hub: one batch in flight at a time, the next once the hub has
// acknowledged the previous one.

import { send, type ReporterContext } from './reporter-context.js';

/** Sends the next batch of stored events once the previous one is acknowledged. */
export function pump(ctx: ReporterContext): void {
  const { state } = ctx;
  if (!state.ready || state.inFlight !== null) return;
  const events = ctx.outbox.read(state.sentUpTo, ctx.tuning.batchSize);
  const last = events[events.length - 1];
  if (!last) return;
  send(ctx, { t: 'events', events });
  state.sentUpTo = last.seq;
  state.inFlight = last.seq;
}

/** The hub acknowledged events up to `seq`: drop them and send what follows. */
export function acknowledged(ctx: ReporterContext, seq: number): void {
  ctx.outbox.ack(seq);
  if (ctx.state.inFlight !== null && seq >= ctx.state.inFlight) ctx.state.inFlight = null;
  pump(ctx);
}
