// Rollouts in the hub's database: one row each, the whole state as JSON, typed here once. Every
// rollout query of the hub is in this file.

import { ACTIVE_STATUSES, type Rollout } from '../rollouts/model.js';
import type { RolloutStorage } from './port.js';
import { one, type SqlExec } from './sql.js';

const ACTIVE = ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ');

export class SqlRolloutStorage implements RolloutStorage {
  constructor(private readonly x: SqlExec) {}

  async create(rollout: Omit<Rollout, 'id'>): Promise<Rollout> {
    return this.x.tx(async (t) => {
      const row = await one<{ id: number }>(t, 'INSERT INTO rollouts (created, status, state) VALUES (?, ?, ?) RETURNING id', [rollout.createdAt, rollout.status, '{}']);
      if (!row) throw new Error('INSERT INTO rollouts returned no id');
      const r: Rollout = { ...rollout, id: row.id };
      await t.run('UPDATE rollouts SET status = ?, state = ? WHERE id = ?', [r.status, JSON.stringify(r), r.id]);
      return r;
    });
  }

  save(r: Rollout): Promise<void> {
    // Serialised now, not when the database gets to it.
    const params = [r.status, JSON.stringify(r), r.id];
    return this.x.run('UPDATE rollouts SET status = ?, state = ? WHERE id = ?', params).then(() => undefined);
  }

  async get(id: number): Promise<Rollout | null> {
    const row = await one<{ state: string }>(this.x, 'SELECT state FROM rollouts WHERE id = ?', [id]);
    return row ? (JSON.parse(row.state) as Rollout) : null;
  }

  async list(limit: number): Promise<Rollout[]> {
    return (await this.x.all<{ state: string }>('SELECT state FROM rollouts ORDER BY id DESC LIMIT ?', [limit])).map((r) => JSON.parse(r.state) as Rollout);
  }

  async active(): Promise<Rollout[]> {
    return (await this.x.all<{ state: string }>(`SELECT state FROM rollouts WHERE status IN (${ACTIVE}) ORDER BY id`)).map((r) => JSON.parse(r.state) as Rollout);
  }
}
