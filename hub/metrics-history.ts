// The host page's charts: CPU, memory and disk use from the heartbeats, kept bounded: one point per
// host per 5-minute slot (the slot's first heartbeat), pruned past 24 hours whenever a slot opens.
// Points are stored in batches, with the hub's periodic flush of its host records.
// Its own table (migration 6), its queries behind the storage port (hub/storage/metrics-queries.ts).

import type { HostMetrics } from '../agent/contracts/hub-protocol.js';
import type { MetricsPoint, MetricsStorage, NewMetricsPoint } from './storage/port.js';

export type { MetricsPoint };

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
  /** The last slot taken per host: a heartbeat in a slot already taken costs nothing. */
  private readonly taken = new Map<string, number>();
  /** Points taken and not yet stored, by host: written together at the next flush. */
  private pending = new Map<string, NewMetricsPoint>();

  constructor(private readonly deps: { metrics: MetricsStorage }, private readonly options: { slotMs: number; keepMs: number } = { slotMs: 5 * 60_000, keepMs: 24 * 3_600_000 }) {}

  /** Takes the heartbeat's figures when it is the host's first in its slot; stored at the next flush. */
  record(host: string, metrics: HostMetrics | null, now: Date): void {
    if (!metrics) return;
    const slot = Math.floor(now.getTime() / this.options.slotMs) * this.options.slotMs;
    if (this.taken.get(host) === slot) return;
    this.taken.set(host, slot);
    this.pending.set(host, { host, point: pointOf(metrics, slot), before: slot - this.options.keepMs });
  }

  /**
   * Stores the points taken since the last flush in one transaction (a slot opening for 5,000
   * hosts is a few statements, not 10,000 commits). Points that could not be stored are taken
   * again by their slot's next heartbeat.
   */
  async flush(): Promise<number> {
    const points = [...this.pending.values()];
    if (points.length === 0) return 0;
    this.pending = new Map();
    try {
      await this.deps.metrics.addPoints(points);
    } catch (err) {
      for (const p of points) if (this.taken.get(p.host) === p.point.at) this.taken.delete(p.host);
      throw err;
    }
    return points.length;
  }

  /** The host's points of the last `keepMs`, oldest first (one taken and not yet stored too). */
  async points(host: string, now: Date): Promise<MetricsPoint[]> {
    const since = now.getTime() - this.options.keepMs;
    const stored = await this.deps.metrics.points(host, since);
    const waiting = this.pending.get(host)?.point;
    if (waiting === undefined || waiting.at < since || stored.some((p) => p.at === waiting.at)) return stored;
    return [...stored, waiting].sort((a, b) => a.at - b.at);
  }
}
