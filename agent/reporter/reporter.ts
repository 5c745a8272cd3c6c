// The agent's link to the hub: one websocket, heartbeats, the outbox of events delivered in
// order until acknowledged, reconnects with backoff and jitter. Obeys only `sync`, `status`,
// `suspend` and `resume` (none runs a command).

import { readFileSync } from 'node:fs';
import type pino from 'pino';
import WebSocket from 'ws';
import type { StatusSnapshot } from '../contracts/status-model.js';
import type { HubSettings } from '../settings/model.js';
import type { Db } from '../store/db.js';
import { Outbox } from '../store/outbox.js';
import type { AgentEvent, EventSink } from '../contracts/events.js';
import type { HeartbeatSampler } from './host-metrics.js';
import { parseHubMessage, type AgentMessage, type HeartbeatSummary, type HubMessage } from '../contracts/hub-protocol.js';

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

/** Events after which the hub should see a fresh status snapshot without waiting for a request. */
const STATUS_CHANGING: ReadonlySet<AgentEvent['type']> = new Set([
  'sync.succeeded', 'sync.failed', 'sync.rolledBack', 'commit.invalid', 'commit.refused', 'commit.pending',
  'drift.detected', 'agent.suspended', 'agent.resumed',
]);
const STATUS_DEBOUNCE_MS = 200;

export function createReporter(deps: ReporterDeps, options: ReporterOptions): Reporter {
  const log = deps.logger.child({ component: 'reporter' });
  const settings = options.settings;
  const outbox = new Outbox({ db: deps.db, now: deps.now }, { limit: settings.outboxLimit });
  const backoffMin = options.backoffMinMs ?? 1000;
  const backoffMax = options.backoffMaxMs ?? 60_000;
  const batchSize = options.batchSize ?? 200;
  const pingEveryMs = Math.min(settings.heartbeatMs, 30_000);
  const ca = settings.caFile ? readFileSync(settings.caFile) : undefined;

  let socket: WebSocket | null = null;
  let ready = false; // welcomed: the hub told us what it already holds
  let stopped = true;
  let attempt = 0;
  let sentUpTo = 0;
  let inFlight: number | null = null;
  let awaitingPong = false;
  let sampling = false;
  let inventorySent = false;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let pingTimer: NodeJS.Timeout | null = null;
  let statusTimer: NodeJS.Timeout | null = null;

  function send(message: AgentMessage): void {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect(): void {
    reconnectTimer = null;
    if (stopped) return;
    const ws = new WebSocket(settings.url, {
      headers: { authorization: `Bearer ${settings.token}` },
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
      ...(ca ? { ca } : {}),
    });
    socket = ws;
    ws.on('open', () => onOpen(ws));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (ws === socket) onMessage(isBinary ? '' : rawText(data));
    });
    ws.on('pong', () => {
      awaitingPong = false;
    });
    ws.on('unexpected-response', (_req, res) => {
      log.warn({ status: res.statusCode }, 'hub refused the connection');
      res.resume();
      ws.terminate(); // ends the handshake; 'close' follows and schedules a retry
    });
    ws.on('error', (err) => log.debug({ err: err.message }, 'hub link error'));
    ws.on('close', () => onClose(ws));
  }

  function onOpen(ws: WebSocket): void {
    if (ws !== socket) return;
    const status = deps.status();
    const inventory = deps.metrics.inventory();
    inventorySent = inventory !== null;
    send({ t: 'hello', host: options.host, version: options.version, branch: status.branch, inventory });
    send({ t: 'status', status });
    awaitingPong = false;
    pingTimer = setInterval(() => {
      if (awaitingPong) {
        log.warn('hub did not answer a ping: dropping the link');
        ws.terminate();
        return;
      }
      awaitingPong = true;
      ws.ping();
    }, pingEveryMs);
  }

  function onMessage(text: string): void {
    const parsed = parseHubMessage(text);
    if (!parsed.ok) {
      refuse(parsed.command);
      return;
    }
    handle(parsed.message);
  }

  function refuse(command: string, reason = 'the agent obeys only sync, status, suspend and resume'): void {
    log.warn({ command, reason }, 'refused a hub command');
    send({ t: 'refused', command, reason });
  }

  function handle(message: HubMessage): void {
    switch (message.t) {
      case 'welcome':
        ready = true;
        attempt = 0;
        outbox.ack(message.ackedSeq);
        sentUpTo = message.ackedSeq;
        inFlight = null;
        log.info({ url: settings.url, outbox: outbox.size() }, 'connected to hub');
        void beat();
        heartbeatTimer = setInterval(() => void beat(), settings.heartbeatMs);
        pump();
        return;
      case 'ack':
        outbox.ack(message.seq);
        if (inFlight !== null && message.seq >= inFlight) inFlight = null;
        pump();
        return;
      case 'sync':
        log.info({ reason: message.reason }, 'hub asked for a sync');
        deps.onSyncNow(message.reason);
        return;
      case 'status':
        send({ t: 'status', status: deps.status() });
        return;
      case 'suspend':
      case 'resume':
        breakGlass(message);
        return;
    }
  }

  function breakGlass(message: HubSuspend | HubResume): void {
    log.info({ command: message.t, by: message.by }, 'hub asked to suspend or resume');
    if (message.t === 'suspend' && deps.onSuspend) {
      const why = deps.onSuspend(message);
      if (why) refuse(message.t, why);
    } else if (message.t === 'resume' && deps.onResume) deps.onResume(message);
    else refuse(message.t);
  }

  /** Sends the next batch of stored events once the previous one is acknowledged. */
  function pump(): void {
    if (!ready || inFlight !== null) return;
    const events = outbox.read(sentUpTo, batchSize);
    const last = events[events.length - 1];
    if (!last) return;
    send({ t: 'events', events });
    sentUpTo = last.seq;
    inFlight = last.seq;
  }

  async function beat(): Promise<void> {
    if (!ready || sampling) return; // heartbeats are never queued: only the latest matters
    sampling = true;
    try {
      const metrics = await deps.metrics.sample().catch((err: unknown) => {
        log.debug({ err: String(err) }, 'host metrics unavailable');
        return null;
      });
      const beat: AgentMessage = { t: 'heartbeat', at: deps.now().toISOString(), metrics, summary: summarise(deps.status(), outbox.size()) };
      const inventory = inventorySent ? null : deps.metrics.inventory();
      if (inventory) {
        beat.inventory = inventory;
        inventorySent = true;
      }
      send(beat);
    } finally {
      sampling = false;
    }
  }

  function onClose(ws: WebSocket): void {
    if (ws !== socket) return;
    socket = null;
    const wasReady = ready;
    ready = false;
    inFlight = null;
    clearTimers();
    if (stopped) return;
    if (wasReady) log.warn('lost the hub link');
    const ceiling = Math.min(backoffMax, backoffMin * 2 ** attempt);
    attempt = Math.min(attempt + 1, 30);
    // Equal jitter: at least half the ceiling, so that a fleet reconnecting after a hub restart spreads out.
    const delay = Math.round(ceiling / 2 + (deps.random() * ceiling) / 2);
    reconnectTimer = setTimeout(connect, delay);
  }

  function clearTimers(): void {
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    if (pingTimer) clearInterval(pingTimer);
    heartbeatTimer = null;
    pingTimer = null;
  }

  function scheduleStatus(): void {
    if (statusTimer || !ready) return;
    statusTimer = setTimeout(() => {
      statusTimer = null;
      send({ t: 'status', status: deps.status() });
    }, STATUS_DEBOUNCE_MS);
  }

  return {
    emit(event: AgentEvent): void {
      outbox.append(event);
      pump();
      if (STATUS_CHANGING.has(event.type)) scheduleStatus();
    },
    start(): void {
      if (!stopped) return;
      stopped = false;
      deps.metrics.start();
      connect();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimers();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (statusTimer) clearTimeout(statusTimer);
      reconnectTimer = null;
      statusTimer = null;
      const ws = socket;
      if (!ws || ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000);
        ws.once('close', () => {
          clearTimeout(force);
          resolve();
        });
        ws.close(1001, 'agent stopping');
      });
    },
    connected: () => ready,
    outboxSize: () => outbox.size(),
  };
}

export function summarise(status: StatusSnapshot, outboxSize: number): HeartbeatSummary {
  let healthy = 0;
  let unhealthy = 0;
  for (const r of status.resources) {
    if (r.health === 'healthy') healthy++;
    else if (r.health === 'unhealthy' || r.health === 'missing') unhealthy++;
  }
  return {
    applied: status.revision.applied,
    head: status.revision.head,
    state: status.state,
    healthy,
    unhealthy,
    suspended: status.suspended !== null,
    outbox: outboxSize,
    labels: status.labels ?? {},
  };
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
