// A load-generator process for bench/hub-load-pg.ts: holds a share of the simulated agents (one
// websocket each), so that 20,000 agents fit under a per-process descriptor limit of about 20,000.
// Reads its agents (host, token, port) from the JSON file named by its first argument; tells its
// parent over IPC when all are connected (and how many connects were tried again); sends 15 s heartbeats, a trickle of events and the reporter's pings of a silent link until killed.

import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { pingPeriodMs } from '../agent/reporter/reporter-timers.js';
import { startAgentPings } from './lib/sim-pings.js';

interface AgentSpec {
  host: string;
  token: string;
  port: number;
  i: number;
}

const HEARTBEAT_MS = Number(process.env['MOOR_BENCH_HEARTBEAT_MS'] ?? 15_000);
const EVENT_EVERY_MS = 300_000;
const PARALLEL = 50;
/** Connect attempts per agent before the load generator gives up. */
const RETRIES = 10;
/** The agents' pings of a link the hub was silent on, as the real reporter's. */
const pinged = { pings: 0 };

function heartbeat(i: number): string {
  return JSON.stringify({
    t: 'heartbeat', at: new Date().toISOString(),
    metrics: { cpuLoad: 3.1, load1: 0.12, memUsed: 412_000_000, memTotal: 2_000_000_000, disks: [{ path: '/var/lib/moor', used: 3e9, size: 3e10 }], uptimeSec: 86_400 + i, temperature: 48.5 },
    summary: { applied: 'a'.repeat(40), head: 'a'.repeat(40), state: 'idle', healthy: 20, unhealthy: 0, suspended: false, outbox: 0 },
  });
}

function status(host: string): string {
  return JSON.stringify({ t: 'status', status: {
    host, version: '0.1.0', branch: `hosts/${host}`, revision: { applied: 'a'.repeat(40), lastGood: 'a'.repeat(40), head: 'a'.repeat(40) },
    state: 'idle', lastSync: { at: new Date().toISOString(), commit: 'a'.repeat(40), result: 'succeeded', error: null }, source: null,
    suspended: null, pending: null, drift: [], hub: null,
    resources: Array.from({ length: 20 }, (_, k) => ({ kind: 'container', name: `svc-${k}`, health: 'healthy', detail: 'running' })),
  } });
}

/** `phase`: when in the ping period this agent's ping rounds fire (its beats: the same moment in theirs), as agents that connected at different moments. */
function connect(a: AgentSpec, phase: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${a.port}/agent`, { headers: { authorization: `Bearer ${a.token}` }, perMessageDeflate: false });
  startAgentPings(ws, HEARTBEAT_MS, pinged, phase);
  return new Promise((res, rej) => {
    ws.once('open', () => res(ws));
    ws.once('error', rej);
  });
}

function drive(ws: WebSocket, a: AgentSpec, phase: number): void {
  ws.send(JSON.stringify({ t: 'hello', host: a.host, version: '0.1.0', branch: `hosts/${a.host}`, inventory: null }));
  ws.send(status(a.host));
  ws.on('error', () => undefined);
  let seq = 0;
  setTimeout(() => {
    ws.send(heartbeat(a.i));
    setInterval(() => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(heartbeat(a.i));
      if (Math.random() < HEARTBEAT_MS / EVENT_EVERY_MS) ws.send(JSON.stringify({ t: 'events', events: [{ seq: ++seq, at: new Date().toISOString(), event: { type: 'sync.succeeded', commit: 'a'.repeat(40), changes: 1, durationMs: 900 } }] }));
    }, HEARTBEAT_MS);
  }, phase % HEARTBEAT_MS);
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || !process.send) throw new Error('usage: forked by bench/hub-load-pg.js with a JSON file of agents');
  // The parent gone (failed, killed): stop too, rather than hold thousands of sockets open.
  process.on('disconnect', () => process.exit(0));
  const agents = JSON.parse(readFileSync(file, 'utf8')) as AgentSpec[];
  let next = 0;
  let retries = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < agents.length) {
      const a = agents[next++];
      if (!a) continue;
      // As a real agent does: a refused or timed-out connect (408 from a hub behind) is tried again after a pause.
      for (let attempt = 1; ; attempt++) {
        try {
          const phase = Math.floor(Math.random() * pingPeriodMs(HEARTBEAT_MS));
          drive(await connect(a, phase), a, phase);
          break;
        } catch (err) {
          if (attempt >= RETRIES) throw err;
          retries++;
          await new Promise((r) => setTimeout(r, 1000 + Math.random() * 4000));
        }
      }
    }
  }));
  process.send({ connected: agents.length, retries });
}

main().catch((err: unknown) => {
  process.stderr.write(`hub-load-agents failed: ${String(err)}\n`);
  process.exit(1);
});
