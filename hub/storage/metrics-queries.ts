// The host page's chart points (hub/metrics-history.ts decides which to keep), in SQL both
// SQLite and PostgreSQL accept. Every host_metrics query of the hub is in this file.

import type { MetricsPoint, MetricsStorage, NewMetricsPoint } from './port.js';
import { chunksOf, inNameOrder, type SqlExec, type SqlValue } from './sql.js';

const num = (v: number | null): number | null => (v === null ? null : Number(v));

/** Rows per statement: the points of a whole fleet's slot are some 50 statements, not 10,000. */
const CHUNK = 100;

export class SqlMetricsStorage implements MetricsStorage {
  constructor(private readonly x: SqlExec) {}

  /** One transaction: the points (a slot that has one keeps it), then each host's points older than its `before`. */
  async addPoints(points: readonly NewMetricsPoint[]): Promise<void> {
    if (points.length === 0) return;
    // Hosts in name order (PostgreSQL): two hubs' writes cannot deadlock.
    const sorted = inNameOrder(points);
    await this.x.tx(async (t) => {
      for (const chunk of chunksOf(sorted, CHUNK)) {
        const values = chunk.map(() => '(?, ?, ?, ?, ?)').join(', ');
        await t.run(`INSERT INTO host_metrics (host, at, cpu, mem, disk) VALUES ${values} ON CONFLICT (host, at) DO NOTHING`,
          chunk.flatMap((p): SqlValue[] => [p.host, p.point.at, p.point.cpu, p.point.mem, p.point.disk]));
      }
      for (const [before, hosts] of byCutoff(sorted)) {
        for (const chunk of chunksOf(hosts, CHUNK)) {
          await t.run(`DELETE FROM host_metrics WHERE at < ? AND host IN (${chunk.map(() => '?').join(', ')})`, [before, ...chunk]);
        }
      }
    });
  }

  async points(host: string, since: number): Promise<MetricsPoint[]> {
    const rows = await this.x.all<MetricsPoint>('SELECT at, cpu, mem, disk FROM host_metrics WHERE host = ? AND at >= ? ORDER BY at', [host, since]);
    return rows.map((r) => ({ at: Number(r.at), cpu: num(r.cpu), mem: num(r.mem), disk: num(r.disk) }));
  }
}

/** The hosts to prune, grouped by cutoff (a flush's points nearly always share one). */
function byCutoff(points: readonly NewMetricsPoint[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const p of points) {
    const hosts = out.get(p.before) ?? [];
    hosts.push(p.host);
    out.set(p.before, hosts);
  }
  return out;
}
