// Test helper: a hand-driven agent link on a real websocket, to send the hub frames a real reporter
// never would (too deep, wrong types, floods) and to count what the hub sends back.

import WebSocket from 'ws';
import { waitFor } from './hub-process.js';

export interface RawAgent {
  ws: WebSocket;
  /** Hub frames received, parsed. */
  received: { t: string; [k: string]: unknown }[];
  closeCode: number | null;
  send(frame: unknown): void;
  sendText(text: string): void;
  close(): void;
}

export async function rawAgent(port: number, token: string, host: string): Promise<RawAgent> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/agent`, { headers: { authorization: `Bearer ${token}` }, maxPayload: 64 * 1024 * 1024 });
  const agent: RawAgent = {
    ws,
    received: [],
    closeCode: null,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendText: (text) => ws.send(text),
    close: () => ws.close(),
  };
  ws.on('message', (data: Buffer) => agent.received.push(JSON.parse(data.toString('utf8')) as { t: string }));
  ws.on('close', (code) => {
    agent.closeCode = code;
  });
  ws.on('error', () => undefined);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('unexpected-response', (_req, r) => rej(new Error(`upgrade refused: ${r.statusCode}`)));
  });
  agent.send({ t: 'hello', host, version: '0.1.0-test', branch: `hosts/${host}`, inventory: null });
  await waitFor('welcome', () => agent.received.some((m) => m.t === 'welcome'));
  return agent;
}

export function heartbeat(healthy = 3): unknown {
  return {
    t: 'heartbeat',
    at: new Date().toISOString(),
    metrics: { cpuLoad: 3.5, load1: 0.1, memUsed: 1e9, memTotal: 2e9, disks: [], uptimeSec: 100, temperature: null },
    summary: { applied: 'a'.repeat(40), head: 'a'.repeat(40), state: 'idle', healthy, unhealthy: 0, suspended: false, outbox: 0 },
  };
}
