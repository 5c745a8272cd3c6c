// The host page's charts: CPU, memory and disk use from the heartbeats, kept bounded: one point per
// host per 5-minute slot (the slot's first heartbeat), pruned past 24 hours whenever a slot opens.
// Its own table (migration 5), in plain SQL that SQLite and PostgreSQL both accept.

import type { HostMetrics } from '../agent/contracts/hub-protocol.js';
import type { HubDb } from './db.js';

export interface MetricsPoint {
  /** Start of the slot, ms since the epoch. */
  at: number;
  /** Percent, null when the host did not know. */
  cpu: number | null;
  mem: number | null;
  disk: number | null;
}

const pct = (v: number): number | null => (Number.isFinite(v) ? Math.round(Math.min(100, Math.max(0, v)) * 10) / 10 : null);

/** The three figures of one heartbeat, in percent; disk is the fullest of the host's disks. */
export function pointOf(m: HostMetrics, at: number): MetricsPoint {
  const disks = m.disks.filter((d) => Number.isFinite(d.used) && Number.isFinite(d.size) && d.size > 0).map((d) => (100 * d.used) / d.size);
  return {
    at,
    cpu: pct(m.cpuLoad),
    mem: Number.isFinite(m.memUsed) && Number.isFinite(m.memTotal) && m.memTotal > 0 ? pct((100 * m.memUsed) / m.memTotal) : null,
    disk: disks.length > 0 ? pct(Math.max(...disks)) : null,
  };
}

export class MetricsHistory {
  private readonly q;
  /** The last slot written per host: a heartbeat in a slot already written costs no query. */
  private readonly written = new Map<string, number>();

  constructor(deps: { db: HubDb }, private readonly options: { slotMs: number; keepMs: number } = { slotMs: 5 * 60_000, keepMs: 24 * 3_600_000 }) {
    this.q = {
      insert: deps.db.prepare<[string, number, number | null, number | null, number | null]>('INSERT INTO host_metrics (host, at, cpu, mem, disk) VALUES (?, ?, ?, ?, ?) ON CONFLICT (host, at) DO NOTHING'),
      prune: deps.db.prepare<[string, number]>('DELETE FROM host_metrics WHERE host = ? AND at < ?'),
      points: deps.db.prepare<[string, number], MetricsPoint>('SELECT at, cpu, mem, disk FROM host_metrics WHERE host = ? AND at >= ? ORDER BY at'),
    };
  }

  record(host: string, metrics: HostMetrics | null, now: Date): void {
    if (!metrics) return;
    const slot = Math.floor(now.getTime() / this.options.slotMs) * this.options.slotMs;
    if (this.written.get(host) === slot) return;
    this.written.set(host, slot);
    const p = pointOf(metrics, slot);
    this.q.insert.run(host, slot, p.cpu, p.mem, p.disk);
    this.q.prune.run(host, slot - this.options.keepMs);
  }

  /** The host's points of the last `keepMs`, oldest first. */
  points(host: string, now: Date): MetricsPoint[] {
    return this.q.points.all(host, now.getTime() - this.options.keepMs).map((r) => ({ at: Number(r.at), cpu: r.cpu, mem: r.mem, disk: r.disk }));
  }
}
