// The host page's chart points (hub/metrics-history.ts decides which to keep), in SQL both
// SQLite and PostgreSQL accept. Every host_metrics query of the hub is in this file.

import type { MetricsPoint, MetricsStorage } from './port.js';
import type { SqlExec } from './sql.js';

const num = (v: number | null): number | null => (v === null ? null : Number(v));

export class SqlMetricsStorage implements MetricsStorage {
  constructor(private readonly x: SqlExec) {}

  async addPoint(host: string, p: MetricsPoint): Promise<void> {
    await this.x.run('INSERT INTO host_metrics (host, at, cpu, mem, disk) VALUES (?, ?, ?, ?, ?) ON CONFLICT (host, at) DO NOTHING', [host, p.at, p.cpu, p.mem, p.disk]);
  }

  async prune(host: string, before: number): Promise<void> {
    await this.x.run('DELETE FROM host_metrics WHERE host = ? AND at < ?', [host, before]);
  }

  async points(host: string, since: number): Promise<MetricsPoint[]> {
    const rows = await this.x.all<MetricsPoint>('SELECT at, cpu, mem, disk FROM host_metrics WHERE host = ? AND at >= ? ORDER BY at', [host, since]);
    return rows.map((r) => ({ at: Number(r.at), cpu: num(r.cpu), mem: num(r.mem), disk: num(r.disk) }));
  }
}
