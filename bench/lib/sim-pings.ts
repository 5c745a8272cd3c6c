// A simulated agent's link check, as the real reporter's (agent/reporter/reporter-timers.ts,
// startPing): every ping period, from the link's opening, a link the hub sent no frame on since the
// last round is pinged, and the hub answers with a pong. A hub load simulation without them leaves
// out a frame in and a frame out per silent agent and period.

import type WebSocket from 'ws';
import { pingPeriodMs } from '../../agent/reporter/reporter-timers.js';

/**
 * Call as the socket is created (its first frame, the welcome, counts); counts the pings sent in
 * `sent`. `phaseMs`: the rounds start this long after the opening (the agent's heartbeat phase: a
 * real agent's timers start when it connected, at any moment of the period).
 */
export function startAgentPings(ws: WebSocket, heartbeatMs: number, sent: { pings: number }, phaseMs = 0): void {
  let heard = false;
  let timer: NodeJS.Timeout | null = null;
  ws.on('message', () => (heard = true));
  ws.once('open', () => {
    timer = setTimeout(() => {
      timer = setInterval(() => {
        if (heard) {
          heard = false;
          return;
        }
        if (ws.readyState !== ws.OPEN) return;
        ws.ping();
        sent.pings++;
      }, pingPeriodMs(heartbeatMs));
    }, phaseMs);
  });
  ws.once('close', () => {
    if (timer) clearTimeout(timer);
  });
}
