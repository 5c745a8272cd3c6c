// The reporter's websocket to the hub: connect with the token (and CA), greet, reconnect with
// backoff and equal jitter after a close, and close cleanly on stop.

import WebSocket from 'ws';
import { send, type ReporterContext } from './reporter-context.js';
import { resetLeanStatus, statusFrame } from './lean-status.js';
import { clearLinkTimers, startPing } from './reporter-timers.js';

/** Opens a link unless stopped; `onMessage` gets each text frame of the current link. */
export function connect(ctx: ReporterContext, onMessage: (text: string) => void): void {
  const { state, log } = ctx;
  const settings = ctx.options.settings;
  state.timers.reconnect = null;
  if (state.stopped) return;
  const ca = ctx.tuning.ca;
  const ws = new WebSocket(settings.url, {
    headers: { authorization: `Bearer ${settings.token}` },
    handshakeTimeout: 10_000,
    perMessageDeflate: false,
    ...(ca ? { ca } : {}),
  });
  state.socket = ws;
  ws.on('open', () => onOpen(ctx, ws));
  ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
    if (ws !== state.socket) return;
    state.heard = true;
    onMessage(isBinary ? '' : rawText(data));
  });
  ws.on('pong', () => {
    state.awaitingPong = false;
  });
  ws.on('unexpected-response', (_req, res) => {
    log.warn({ status: res.statusCode }, 'hub refused the connection');
    res.resume();
    ws.terminate(); // ends the handshake; 'close' follows and schedules a retry
  });
  ws.on('error', (err) => log.debug({ err: err.message }, 'hub link error'));
  ws.on('close', () => onClose(ctx, ws, onMessage));
}

function onOpen(ctx: ReporterContext, ws: WebSocket): void {
  const { state, deps, options } = ctx;
  if (ws !== state.socket) return;
  const status = deps.status();
  const inventory = deps.metrics.inventory();
  state.inventorySent = inventory !== null;
  send(ctx, { t: 'hello', host: options.host, version: options.version, branch: status.branch, inventory });
  resetLeanStatus(state);
  send(ctx, statusFrame(state, status, false));
  startPing(ctx, ws);
}

function onClose(ctx: ReporterContext, ws: WebSocket, onMessage: (text: string) => void): void {
  const { state, tuning } = ctx;
  if (ws !== state.socket) return;
  state.socket = null;
  const wasReady = state.ready;
  state.ready = false;
  state.inFlight = null;
  clearLinkTimers(state);
  if (state.stopped) return;
  if (wasReady) ctx.log.warn('lost the hub link');
  const ceiling = Math.min(tuning.backoffMax, tuning.backoffMin * 2 ** state.attempt);
  state.attempt = Math.min(state.attempt + 1, 30);
  // Equal jitter: at least half the ceiling, so that a fleet reconnecting after a hub restart spreads out.
  const delay = Math.round(ceiling / 2 + (ctx.deps.random() * ceiling) / 2);
  state.timers.reconnect = setTimeout(() => connect(ctx, onMessage), delay);
}

/** Stops every timer and closes the link, waiting up to a second for the close. */
export async function closeLink(ctx: ReporterContext): Promise<void> {
  const { state } = ctx;
  clearLinkTimers(state);
  if (state.timers.reconnect) clearTimeout(state.timers.reconnect);
  if (state.timers.status) clearTimeout(state.timers.status);
  state.timers.reconnect = null;
  state.timers.status = null;
  const ws = state.socket;
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
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
