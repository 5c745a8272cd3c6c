// Hub CPU per events frame once hosts hold their cap of stored events (eventsPerHost, 5,000 by
// default): the steady state of a hub that has run for a while, which a fresh database (as in
// rollout-sim) does not show. HOSTS hosts, each filled to the cap, then FRAMES frames of one event
// in batches of one frame per host, as the event intake writes them, to a real SQLite file. Copied
// into an older build's bench/ folder, the same file measures that build ("before").
// Run: node build/bench/hub-events-at-cap.js [--hosts 20] [--cap 5000] [--rounds 100]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboxEntry } from '../agent/contracts/hub-protocol.js';
import { openSqliteStorage } from '../hub/storage/open.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const HOSTS = arg('hosts', 20);
const CAP = arg('cap', 5000);
const ROUNDS = arg('rounds', 100);
const FILL_CHUNK = 500;

const now = new Date();
const entry = (seq: number): OutboxEntry => ({ seq, at: now.toISOString(), event: { type: 'sync.succeeded', commit: 'a'.repeat(40), changes: 3, durationMs: 900 } });
const host = (h: number): string => `edge-${h}`;

const dir = mkdtempSync(join(tmpdir(), 'moor-events-at-cap-'));
const storage = openSqliteStorage(join(dir, 'hub.db'));
const caps = { rows: CAP, bytes: 16 * 1024 * 1024 };
try {
  for (let h = 0; h < HOSTS; h++) {
    await storage.hosts.addToken(host(h), `tok-${h}`, now);
    for (let seq = 1; seq <= CAP; seq += FILL_CHUNK) {
      await storage.hosts.insertEvents(host(h), 0, Array.from({ length: Math.min(FILL_CHUNK, CAP - seq + 1) }, (_, k) => entry(seq + k)), now, caps);
    }
  }
  const start = process.cpuUsage();
  for (let r = 1; r <= ROUNDS; r++) {
    const items = Array.from({ length: HOSTS }, (_, h) => ({ host: host(h), lastSeq: 0, entries: [entry(CAP + r)], received: now }));
    await storage.hosts.insertEventBatch(items, caps);
  }
  const used = process.cpuUsage(start);
  const frames = HOSTS * ROUNDS;
  const kept = (await storage.hosts.events(host(0), CAP + 10)).length;
  process.stdout.write(`${frames} events frames to hosts at the cap of ${CAP} events: ${((used.user + used.system) / 1000 / frames).toFixed(3)} ms CPU each (${kept} events kept per host)\n`);
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
