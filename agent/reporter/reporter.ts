// The agent's link to the hub: one websocket, heartbeats, the outbox of events delivered in
// order until acknowledged, reconnects with backoff and jitter. Obeys only `sync`, `status`,
// `suspend` and `resume` (none runs a command). The parts: hub-link.ts (connect, backoff,
// close), outbox-flush.ts, reporter-timers.ts (heartbeat, ping, status); state in reporter-context.ts.

import { readFileSync } from 'node:fs';
import { Outbox } from '../store/outbox.js';
import type { AgentEvent } from '../contracts/events.js';
import { parseHubMessage, type HubFeature, type HubMessage } from '../contracts/hub-protocol.js';
import { closeLink, connect } from './hub-link.js';
import { statusFrame } from './lean-status.js';
import { acknowledged, pump, pumpSoon } from './outbox-flush.js';
import {
  initialState,
  send,
  type HubResume,
  type HubSuspend,
  type Reporter,
  type ReporterContext,
  type ReporterDeps,
  type ReporterOptions,
} from './reporter-context.js';
import { pingPeriodMs, scheduleStatus, startHeartbeat } from './reporter-timers.js';

export type { HubResume, HubSuspend, Reporter, ReporterDeps, ReporterOptions } from './reporter-context.js';
export { summarise } from './reporter-timers.js';

/**
 * Events after which the hub should see a fresh status snapshot without waiting for a request:
 * each changes a part of it (revision, last sync, drift, suspension, source, engine, bugs). The
 * others (sync.started, agent.started, events.dropped) tell of no change the hub shows.
 */
const STATUS_CHANGING: ReadonlySet<AgentEvent['type']> = new Set([
  'sync.succeeded', 'sync.failed', 'sync.rolledBack', 'sync.rollbackFailed', 'commit.invalid', 'commit.refused', 'commit.pending',
  'drift.detected', 'agent.suspended', 'agent.resumed', 'source.unreachable', 'source.recovered', 'engine.unresponsive', 'engine.recovered',
  'agent.bug',
]);

export function createReporter(deps: ReporterDeps, options: ReporterOptions): Reporter {
  const ctx = createContext(deps, options);
  const { state } = ctx;
  const onMessage = (text: string): void => receive(ctx, text);
  return {
    emit(event: AgentEvent): void {
      ctx.outbox.append(event);
      const changesStatus = STATUS_CHANGING.has(event.type);
      if (changesStatus) scheduleStatus(ctx);
      // With 'events-status', an event that changed the status goes with that status (scheduleStatus).
      if (!changesStatus || !state.eventsStatus || !state.timers.status) pumpSoon(ctx);
    },
    start(): void {
      if (!state.stopped) return;
      state.stopped = false;
      deps.metrics.start();
      connect(ctx, onMessage);
    },
    async stop(): Promise<void> {
      state.stopped = true;
      await closeLink(ctx);
    },
    connected: () => state.ready,
    outboxSize: () => ctx.outbox.size(),
  };
}

function createContext(deps: ReporterDeps, options: ReporterOptions): ReporterContext {
  const settings = options.settings;
  const log = deps.logger.child({ component: 'reporter' });
  const outbox = new Outbox({ db: deps.db, now: deps.now }, { limit: settings.outboxLimit });
  return {
    deps,
    options,
    tuning: {
      backoffMin: options.backoffMinMs ?? 1000,
      backoffMax: options.backoffMaxMs ?? 60_000,
      batchSize: options.batchSize ?? 200,
      pingEveryMs: pingPeriodMs(settings.heartbeatMs),
      ca: settings.caFile ? readFileSync(settings.caFile) : undefined,
    },
    log,
    outbox,
    state: initialState(),
  };
}

function receive(ctx: ReporterContext, text: string): void {
  const parsed = parseHubMessage(text);
  if (!parsed.ok) {
    refuse(ctx, parsed.command);
    return;
  }
  handle(ctx, parsed.message);
}

function refuse(ctx: ReporterContext, command: string, reason = 'the agent obeys only sync, status, suspend and resume'): void {
  ctx.log.warn({ command, reason }, 'refused a hub command');
  send(ctx, { t: 'refused', command, reason });
}

function handle(ctx: ReporterContext, message: HubMessage): void {
  switch (message.t) {
    case 'welcome':
      welcomed(ctx, message.ackedSeq, message.features ?? []);
      return;
    case 'ack':
      acknowledged(ctx, message.seq);
      return;
    case 'sync':
      ctx.log.info({ reason: message.reason }, 'hub asked for a sync');
      ctx.deps.onSyncNow(message.reason);
      return;
    case 'status':
      // Whole: the hub may ask because it lacks the resources a lean status leaves out.
      send(ctx, statusFrame(ctx.state, ctx.deps.status(), false));
      return;
    case 'suspend':
    case 'resume':
      breakGlass(ctx, message);
      return;
  }
}

/** The hub greeted the link and said what it holds: resume the outbox from there, start beating. */
function welcomed(ctx: ReporterContext, ackedSeq: number, features: readonly HubFeature[]): void {
  const { state, outbox } = ctx;
  state.ready = true;
  state.leanBeats = features.includes('lean-heartbeat');
  state.leanStatus = features.includes('lean-status');
  state.eventsStatus = features.includes('events-status');
  state.lastSummary = null;
  state.attempt = 0;
  outbox.ack(ackedSeq);
  state.sentUpTo = ackedSeq;
  state.inFlight = null;
  ctx.log.info({ url: ctx.options.settings.url, outbox: outbox.size() }, 'connected to hub');
  startHeartbeat(ctx);
  pump(ctx);
}

function breakGlass(ctx: ReporterContext, message: HubSuspend | HubResume): void {
  const { deps } = ctx;
  ctx.log.info({ command: message.t, by: message.by }, 'hub asked to suspend or resume');
  if (message.t === 'suspend' && deps.onSuspend) {
    const why = deps.onSuspend(message);
    if (why) refuse(ctx, message.t, why);
  } else if (message.t === 'resume' && deps.onResume) deps.onResume(message);
  else refuse(ctx, message.t);
}
