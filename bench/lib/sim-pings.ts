// A simulated agent's link check, as the real reporter's (agent/reporter/reporter-timers.ts,
// startPing): every ping period, from the link's opening, a link the hub sent no frame on since the
// last round is pinged, and the hub answers with a pong. A hub load simulation without them leaves
// out a frame in and a frame out per silent agent and period.

import type WebSocket from 'ws';
import { pingPeriodMs } from '../../agent/reporter/reporter-timers.js';

/** Call as the socket is created (its first frame, the welcome, counts); counts the pings sent in `sent`. */
export function startAgentPings(ws: WebSocket, heartbeatMs: number, sent: { pings: number }): void {
  let heard = false;
  ws.on('message', () => (heard = true));
  ws.once('open', () => {
    const timer = setInterval(() => {
      if (heard) {
        heard = false;
        return;
      }
      if (ws.readyState !== ws.OPEN) return;
      ws.ping();
      sent.pings++;
    }, pingPeriodMs(heartbeatMs));
    ws.once('close', () => clearInterval(timer));
  });
}
