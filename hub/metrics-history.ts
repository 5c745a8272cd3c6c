// The host page's charts: CPU, memory and disk use from the heartbeats, kept bounded: one point per
// host per 5-minute slot (the slot's first heartbeat), pruned past 24 hours whenever a slot opens.
// Its own table (migration 6), its queries behind the storage port (hub/storage/metrics-queries.ts).

import type { HostMetrics } from '../agent/contracts/hub-protocol.js';
import type { MetricsPoint, MetricsStorage } from './storage/port.js';

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
  /** The last slot written per host: a heartbeat in a slot already written costs no query. */
  private readonly written = new Map<string, number>();

  constructor(private readonly deps: { metrics: MetricsStorage }, private readonly options: { slotMs: number; keepMs: number } = { slotMs: 5 * 60_000, keepMs: 24 * 3_600_000 }) {}

  async record(host: string, metrics: HostMetrics | null, now: Date): Promise<void> {
    if (!metrics) return;
    const slot = Math.floor(now.getTime() / this.options.slotMs) * this.options.slotMs;
    if (this.written.get(host) === slot) return;
    this.written.set(host, slot);
    try {
      await this.deps.metrics.addPoint(host, pointOf(metrics, slot));
      await this.deps.metrics.prune(host, slot - this.options.keepMs);
    } catch (err) {
      // Not written: the slot's next heartbeat tries again.
      if (this.written.get(host) === slot) this.written.delete(host);
      throw err;
    }
  }

  /** The host's points of the last `keepMs`, oldest first. */
  points(host: string, now: Date): Promise<MetricsPoint[]> {
    return this.deps.metrics.points(host, now.getTime() - this.options.keepMs);
  }
}
