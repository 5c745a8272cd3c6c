// The in-process hub benches' fleet (hub-heartbeat.js, hub-status.js): the hub's Fleet on a
// simulated clock over a real SQLite file in a temp folder, with `count` hosts given tokens and
// linked, and frames fed to it spread over simulated time with the hub's 2 s flush.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Fleet } from '../../hub/fleet.js';
import { openSqliteStorage } from '../../hub/storage/open.js';

const FLUSH_MS = 2_000;

export interface SimFleet {
  fleet: Fleet;
  hosts: string[];
  /** The simulated clock, ms. */
  now(): number;
  /** One frame text per host (in host order), spread evenly over `spanMs`, a flush every 2 s of it. */
  feed(texts: readonly string[], spanMs: number, handle: (host: string, i: number, text: string) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function simFleet(count: number, name: string): Promise<SimFleet> {
  const dir = mkdtempSync(join(tmpdir(), `moor-${name}-`));
  const storage = openSqliteStorage(join(dir, 'hub.db'));
  let now = Date.parse('2026-12-01T00:00:00Z');
  const fleet = new Fleet(
    { store: storage.hosts, logger: pino({ level: 'silent' }), now: () => new Date(now), alerts: { send: () => undefined, drain: async () => undefined } },
    { offlineAfterMs: 60_000, suspendedAfterMs: 3_600_000, eventsPerHost: 1000, eventBytesPerHost: 16 * 1024 * 1024 },
  );
  const hosts = Array.from({ length: count }, (_, i) => `edge-${String(i).padStart(5, '0')}`);
  for (const h of hosts) await storage.hosts.addToken(h, `tok-${h}`, new Date(now));
  await fleet.load();
  for (const h of hosts) await fleet.connected(h);
  return {
    fleet,
    hosts,
    now: () => now,
    async feed(texts, spanMs, handle) {
      const step = spanMs / texts.length;
      let nextFlush = now + FLUSH_MS;
      for (let i = 0; i < texts.length; i++) {
        now += step;
        await handle(hosts[i] ?? '', i, texts[i] ?? '');
        if (now >= nextFlush) {
          await fleet.flush();
          nextFlush += FLUSH_MS;
        }
      }
    },
    async close() {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
