// The websocket endpoint agents connect to: bearer token checked in the HTTP upgrade, before any
// frame is read; one socket per host; frames handed to the fleet; acks, sync and status requests sent back.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type pino from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { HUB_FEATURES, type AgentFrame, type HubMessage } from '../agent/contracts/hub-protocol.js';
import { StoreError } from '../agent/contracts/errors.js';
import { FrameReader } from './frames.js';
import { LinkStatus, statusLost } from './lean-status.js';
import type { Fleet } from './fleet.js';
import type { HostStorage } from './storage/port.js';
import { TokenCheck } from './token-check.js';

export interface AgentEndpointOptions {
  path: string;
  /** The hub pings every socket this often and drops those that did not answer the previous ping. */
  pingMs: number;
  maxPayload: number;
  /** A sync request counts as pending this long at most, unless the agent answers first. */
  syncPendingMs?: number;
}

export type SyncRequest = 'sent' | 'merged' | 'offline';

/** Hands a message for a host linked to another hub (sharing the database) to that hub; false when none is. */
export type Relay = (host: string, message: HubMessage) => boolean;

interface Session {
  host: string;
  token: string;
  /** A frame or a pong came since the last ping round: the link is alive without a ping. */
  heard: boolean;
  /** A ping went out in the last round: no answer by the next one drops the link. */
  awaiting: boolean;
  /** Set after a bad frame: nothing more from this link is read. */
  refused: boolean;
  /** Frames are handled one after the other, each once the previous one is stored. */
  queue: Promise<void>;
  /** Operations in `queue` not settled yet: a frame arriving meanwhile waits for them. */
  pending: number;
  /** What this link sent of its resources, to complete its lean status frames. */
  status: LinkStatus;
}

/** Recent message handling times in ms (a ring), for /metrics and the load benchmark. */
export class HandlingTimes {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  constructor(size = 20_000) {
    this.ring = new Float64Array(size);
  }
  add(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    this.filled = Math.min(this.filled + 1, this.ring.length);
  }
  quantile(q: number): number {
    if (this.filled === 0) return 0;
    const sorted = Float64Array.from(this.ring.subarray(0, this.filled)).sort();
    return sorted[Math.min(this.filled - 1, Math.floor(q * this.filled))] ?? 0;
  }
}

export class AgentEndpoint {
  readonly times = new HandlingTimes();
  private readonly frames = new FrameReader();
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<WebSocket, Session>();
  private readonly byHost = new Map<string, WebSocket>();
  /** Hosts with a sync request the agent has not answered yet, and since when. */
  private readonly pendingSync = new Map<string, number>();
  private readonly pinger: NodeJS.Timeout;
  private readonly log: pino.Logger;
  /** Connect-time token checks, batched (one query answers the upgrades of a moment). */
  readonly tokens: TokenCheck;

  constructor(
    private readonly deps: { fleet: Fleet; store: HostStorage; logger: pino.Logger; relay?: Relay },
    private readonly options: AgentEndpointOptions,
  ) {
    this.log = deps.logger.child({ component: 'agent-endpoint' });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, perMessageDeflate: false });
    this.pinger = setInterval(() => this.pingAll(), options.pingMs);
    this.pinger.unref();
    this.tokens = new TokenCheck({ lookup: (t) => deps.store.linksForTokens(t) });
  }

  /** Called from the http server's `upgrade` event; refuses with 401 before accepting the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.options.path) return refuse(socket, 404, 'Not Found');
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const token = match?.[1];
    if (!token) return this.unknownAgent(req, socket);
    this.tokens.check(token).then((link) => {
      if (!link) return this.unknownAgent(req, socket);
      if (socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, link.host, token, link.lastSeq));
    }, (err: unknown) => {
      this.log.error({ err }, 'cannot check an agent token');
      refuse(socket, 503, 'Service Unavailable');
    });
  }

  private unknownAgent(req: IncomingMessage, socket: Duplex): void {
    this.log.warn({ remote: req.socket.remoteAddress }, 'refused an agent with a missing or unknown token');
    refuse(socket, 401, 'Unauthorized');
  }

  /** `storedSeq`: the last event seq stored for the host, read with the token. */
  private accept(ws: WebSocket, host: string, token: string, storedSeq: number): void {
    const previous = this.byHost.get(host);
    if (previous) previous.close(4000, 'replaced by a newer connection');
    const session: Session = { host, token, heard: true, awaiting: false, refused: false, queue: Promise.resolve(), pending: 0, status: new LinkStatus() };
    this.sessions.set(ws, session);
    this.byHost.set(host, ws);
    this.enqueue(ws, session, async () => {
      const ackedSeq = await this.deps.fleet.connected(host, storedSeq);
      this.send(ws, { t: 'welcome', ackedSeq, features: HUB_FEATURES });
    });
    ws.on('pong', () => {
      session.heard = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(ws, session, data, isBinary));
    ws.on('error', (err) => this.log.debug({ host, err: err.message }, 'agent socket error'));
    ws.on('close', () => {
      this.sessions.delete(ws);
      if (this.byHost.get(host) === ws) {
        this.byHost.delete(host);
        this.pendingSync.delete(host);
      }
      this.deps.fleet.disconnected(host);
    });
  }

  /** Runs `fn` after the frames before it; frames arriving meanwhile wait for it. */
  private enqueue(ws: WebSocket, session: Session, fn: () => Promise<void>): void {
    session.pending++;
    session.queue = session.queue.then(fn).catch((err: unknown) => {
      // The storage failed (not the agent): drop the link; the agent reconnects and resends.
      this.log.error({ host: session.host, err }, 'cannot handle an agent frame');
      ws.terminate();
    }).finally(() => session.pending--);
  }

  /**
   * A frame is taken at once, without a promise, unless frames before it are still waiting for the
   * store (then after them, in order). Only an events frame waits for the store itself.
   */
  private onFrame(ws: WebSocket, session: Session, data: RawData, isBinary: boolean): void {
    if (session.pending > 0) return this.enqueue(ws, session, () => this.take(ws, session, data, isBinary) ?? Promise.resolve());
    const stored = this.take(ws, session, data, isBinary);
    if (stored) this.enqueue(ws, session, () => stored);
  }

  /** Reads and applies one frame; for one that waits for the store, a promise settled once it is acknowledged. */
  private take(ws: WebSocket, session: Session, data: RawData, isBinary: boolean): Promise<void> | null {
    if (session.refused) return null;
    const started = performance.now();
    session.heard = true;
    let ack: number | null | Promise<number>;
    try {
      if (isBinary) throw new TypeError('binary frames are not part of the protocol');
      const frame = this.frames.read(session.host, textOf(data));
      if (answersSync(frame)) this.pendingSync.delete(session.host);
      const message = session.status.complete(frame);
      if (statusLost(frame, message)) this.askWholeStatus(ws, session);
      if (message === null) return null;
      ack = this.deps.fleet.take(session.host, message);
    } catch (err) {
      this.failed(ws, session, err);
      return null;
    }
    if (!(ack instanceof Promise)) {
      this.taken(ws, ack, started);
      return null;
    }
    return ack.then((seq) => this.taken(ws, seq, started), (err: unknown) => this.failed(ws, session, err));
  }

  private taken(ws: WebSocket, ack: number | null, started: number): void {
    if (ack !== null) this.send(ws, { t: 'ack', seq: ack });
    this.times.add(performance.now() - started);
  }

  /**
   * A storage failure is the hub's, not the frame's: the link is dropped without blame (the agent
   * reconnects and resends). Anything else is a bad frame: nothing more of the link is read.
   */
  private failed(ws: WebSocket, session: Session, err: unknown): void {
    if (err instanceof StoreError) {
      this.log.error({ host: session.host, err }, 'cannot handle an agent frame');
      ws.terminate();
      return;
    }
    this.log.warn({ host: session.host, err: err instanceof Error ? err.message : String(err) }, 'closing an agent socket after a bad frame');
    session.refused = true;
    ws.close(4002, 'bad frame');
    setTimeout(() => ws.terminate(), 2000).unref();
  }

  /** A lean status on a link that sent no whole one: nothing of the status is kept; the agent answers this request whole. */
  private askWholeStatus(ws: WebSocket, session: Session): void {
    this.log.warn({ host: session.host }, 'a lean status on a link without a whole one: asking for a status');
    this.send(ws, { t: 'status' });
  }

  /** Sends a command to a connected host; false when it is not connected. */
  sendTo(host: string, message: HubMessage, relay = true): boolean {
    const ws = this.byHost.get(host);
    // A link that is closing (after a bad frame, or replaced) would drop the message: say so.
    if (!ws || ws.readyState !== ws.OPEN) return relay && (this.deps.relay?.(host, message) ?? false);
    this.send(ws, message);
    return true;
  }

  /** Asks a host to sync, unless a request to it is still pending: then the two are one. */
  requestSync(host: string, reason: string, now = Date.now(), relay = true): SyncRequest {
    const ws = this.byHost.get(host);
    if (!ws || ws.readyState !== ws.OPEN) return relay && this.deps.relay?.(host, { t: 'sync', reason }) ? 'sent' : 'offline';
    const since = this.pendingSync.get(host);
    if (since !== undefined && now - since < (this.options.syncPendingMs ?? 60_000)) return 'merged';
    this.pendingSync.set(host, now);
    return this.sendTo(host, { t: 'sync', reason }) ? 'sent' : 'offline';
  }

  connectedCount(): number {
    return this.sessions.size;
  }

  private send(ws: WebSocket, message: HubMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  // A link heard from since the last round (its heartbeats) needs no ping; a silent one is pinged,
  // and dropped if it is still silent at the next round. Also re-checks every token (one query) so
  // that `moor hub token revoke` ends a live session within one period.
  private pingAll(): void {
    for (const [ws, s] of this.sessions) {
      if (s.heard) {
        s.heard = false;
        s.awaiting = false;
      } else if (s.awaiting) {
        ws.terminate();
      } else {
        s.awaiting = true;
        ws.ping();
      }
    }
    void this.checkTokens();
  }

  private async checkTokens(): Promise<void> {
    try {
      const sessions = [...this.sessions];
      const valid = await this.deps.store.hostsForTokens(sessions.map(([, s]) => s.token));
      for (const [ws, s] of sessions) if (valid.get(s.token) !== s.host) ws.terminate();
    } catch (err) {
      this.log.error({ err }, 'cannot re-check agent tokens');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.sessions.keys()) ws.close(1001, 'hub stopping');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.sessions.keys()) ws.terminate();
  }
}

/** A status (alone or on an events frame) or a sync/commit event means the agent has taken up the last request. */
function answersSync(m: AgentFrame): boolean {
  if (m.t === 'status') return true;
  return m.t === 'events' && (m.status !== undefined || m.events.some((e) => e.event.type.startsWith('sync.') || e.event.type.startsWith('commit.')));
}

/** A frame's text; ws hands over a Buffer (copying it first, as Buffer.from does, is one more copy per frame). */
function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
