// What the reporter's parts share: its deps and options, the resolved tuning, and its mutable
// state in one typed object (the socket, where the outbox stands, the timers).

import type pino from 'pino';
import WebSocket from 'ws';
import type { StatusSnapshot } from '../contracts/status-model.js';
import type { HubSettings } from '../settings/model.js';
import type { Db } from '../store/db.js';
import type { Outbox } from '../store/outbox.js';
import type { EventSink } from '../contracts/events.js';
import type { HeartbeatSampler } from './host-metrics.js';
import type { AgentFrame, HubMessage } from '../contracts/hub-protocol.js';
import type { LeanStatusState } from './lean-status.js';

export interface ReporterDeps {
  db: Db;
  logger: pino.Logger;
  now: () => Date;
  random: () => number;
  status: () => StatusSnapshot;
  metrics: HeartbeatSampler;
  onSyncNow: (reason: string) => void;
  /** Break-glass from the hub; without these the agent refuses the frames. A string returned is why a suspend was refused. */
  onSuspend?: (request: HubSuspend) => string | null | void;
  onResume?: (request: HubResume) => void;
}

export type HubSuspend = Extract<HubMessage, { t: 'suspend' }>;
export type HubResume = Extract<HubMessage, { t: 'resume' }>;

export interface ReporterOptions {
  settings: HubSettings;
  host: string;
  version: string;
  /** Reconnect backoff bounds; defaults 1 s and 60 s. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Events per frame while draining the outbox. */
  batchSize?: number;
}

export interface Reporter extends EventSink {
  start(): void;
  stop(): Promise<void>;
  connected(): boolean;
  outboxSize(): number;
}

/** Everything about the link that changes while the reporter runs. */
export interface ReporterState extends LeanStatusState {
  socket: WebSocket | null;
  /** Welcomed: the hub told us what it already holds. */
  ready: boolean;
  stopped: boolean;
  /** Reconnects since the last welcome; drives the backoff. */
  attempt: number;
  /** Highest outbox seq sent on this link. */
  sentUpTo: number;
  /** Last seq of the batch awaiting its ack. */
  inFlight: number | null;
  awaitingPong: boolean;
  /** A frame came from the hub since the last ping round: the link is alive without a ping. */
  heard: boolean;
  /** A heartbeat is being sampled. */
  sampling: boolean;
  inventorySent: boolean;
  /** The hub's welcome offered 'lean-heartbeat': a beat may leave out an unchanged summary. */
  leanBeats: boolean;
  /** JSON of the summary last sent on this link (null: none yet), to leave out a repeat. */
  lastSummary: string | null;
  timers: {
    reconnect: NodeJS.Timeout | null;
    heartbeat: NodeJS.Timeout | null;
    ping: NodeJS.Timeout | null;
    status: NodeJS.Timeout | null;
    /** An event that changes no status waits this long for others (outbox-flush.ts). */
    linger: NodeJS.Timeout | null;
  };
}

/** Options with their defaults applied, read once at creation. */
export interface ReporterTuning {
  backoffMin: number;
  backoffMax: number;
  batchSize: number;
  pingEveryMs: number;
  ca: Buffer | undefined;
}

export interface ReporterContext {
  deps: ReporterDeps;
  options: ReporterOptions;
  tuning: ReporterTuning;
  log: pino.Logger;
  outbox: Outbox;
  state: ReporterState;
}

export function initialState(): ReporterState {
  return {
    socket: null,
    ready: false,
    stopped: true,
    attempt: 0,
    sentUpTo: 0,
    inFlight: null,
    awaitingPong: false,
    heard: false,
    sampling: false,
    inventorySent: false,
    leanBeats: false,
    lastSummary: null,
    leanStatus: false,
    eventsStatus: false,
    lastResources: null,
    timers: { reconnect: null, heartbeat: null, ping: null, status: null, linger: null },
  };
}

/** Sends on the open link; a message while there is none is dropped. */
export function send(ctx: ReporterContext, message: AgentFrame): void {
  const socket = ctx.state.socket;
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}
