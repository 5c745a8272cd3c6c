// The reporter's timers: heartbeats with host metrics (and the summary, when it changed or the hub
// wants it every time), the ping that notices a dead link, and the debounced status snapshot after
// events that change it.

import type WebSocket from 'ws';
import type { AgentMessage } from '../contracts/hub-protocol.js';
import { summaryOfStatus } from '../contracts/heartbeat-summary.js';
import { statusFrame, statusPart } from './lean-status.js';
import { pump } from './outbox-flush.js';
import { send, type ReporterContext, type ReporterState } from './reporter-context.js';

/** How long after an event that changed the status the status goes (one for a burst of events). */
export const STATUS_DEBOUNCE_MS = 200;

/** Sends one heartbeat now and then every heartbeatMs while the link lasts. */
export function startHeartbeat(ctx: ReporterContext): void {
  void beat(ctx);
  ctx.state.timers.heartbeat = setInterval(() => void beat(ctx), ctx.options.settings.heartbeatMs);
}

async function beat(ctx: ReporterContext): Promise<void> {
  const { state, deps } = ctx;
  if (!state.ready || state.sampling) return; // heartbeats are never queued: only the latest matters
  state.sampling = true;
  try {
    const metrics = await deps.metrics.sample().catch((err: unknown) => {
      ctx.log.debug({ err: String(err) }, 'host metrics unavailable');
      return null;
    });
    const beat: AgentMessage = { t: 'heartbeat', at: deps.now().toISOString(), metrics };
    const summary = summarise(deps.status(), ctx.outbox.size());
    const text = JSON.stringify(summary);
    // A hub that offered lean beats keeps the last summary: only a changed one is sent again.
    if (!state.leanBeats || text !== state.lastSummary) {
      beat.summary = summary;
      state.lastSummary = text;
    }
    const inventory = state.inventorySent ? null : deps.metrics.inventory();
    if (inventory) {
      beat.inventory = inventory;
      state.inventorySent = true;
    }
    send(ctx, beat);
  } finally {
    state.sampling = false;
  }
}

/**
 * How often the agent checks its link to the hub: every other heartbeat period, at least every 30 s.
 * A dead link is dropped within two of them: 60 s at the default 15 s beats, the hub's own
 * offlineAfter and the agent's poll interval; each check is a frame in and out for the hub, 667 a
 * second for 5,000 agents were it every 15 s.
 */
export function pingPeriodMs(heartbeatMs: number): number {
  return Math.min(2 * heartbeatMs, 30_000);
}

/**
 * Every pingEveryMs: a link the hub sent a frame on since the last round needs no ping; a silent one
 * is pinged, and a ping left unanswered until the next round drops the link. So a hub that talks to
 * the agent (a rollout's sync request and acks) is not also sent a ping to answer, while an idle
 * link is checked every round as before (a pong does not count: it would halve the checks).
 */
export function startPing(ctx: ReporterContext, ws: WebSocket): void {
  const { state } = ctx;
  state.awaitingPong = false;
  state.heard = false;
  state.timers.ping = setInterval(() => {
    if (state.heard) {
      state.heard = false;
      state.awaitingPong = false;
      return;
    }
    if (state.awaitingPong) {
      ctx.log.warn('hub did not answer a ping: dropping the link');
      ws.terminate();
      return;
    }
    state.awaitingPong = true;
    ws.ping();
  }, ctx.tuning.pingEveryMs);
}

/** Stops the heartbeat and ping timers of a link. */
export function clearLinkTimers(state: ReporterState): void {
  if (state.timers.heartbeat) clearInterval(state.timers.heartbeat);
  if (state.timers.ping) clearInterval(state.timers.ping);
  if (state.timers.linger) clearTimeout(state.timers.linger);
  state.timers.heartbeat = null;
  state.timers.ping = null;
  state.timers.linger = null;
}

/**
 * Sends a fresh status snapshot shortly, once for a burst of events (lean when the hub offered it
 * and the resources did not change): on the events frame of that burst when the hub offered
 * 'events-status' and no batch awaits its ack, else alone.
 */
export function scheduleStatus(ctx: ReporterContext): void {
  const { state } = ctx;
  if (state.timers.status || !state.ready) return;
  state.timers.status = setTimeout(() => {
    state.timers.status = null;
    const status = ctx.deps.status();
    if (state.eventsStatus && pump(ctx, () => statusPart(state, status, true))) return;
    send(ctx, statusFrame(state, status, true));
  }, STATUS_DEBOUNCE_MS);
}

/** The summary a heartbeat carries (contracts/heartbeat-summary.ts, shared with the hub). */
export const summarise = summaryOfStatus;
