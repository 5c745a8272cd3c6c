// Rollouts in the hub's database: one row each, the whole state as JSON, typed here once.
// The runner writes after every change, so a restarted hub resumes where it was.

import type { HubDb } from '../db.js';
import { ACTIVE_STATUSES, type Rollout } from './model.js';

export class RolloutStore {
  private readonly q;

  constructor(deps: { db: HubDb }) {
    const db = deps.db;
    this.q = {
      insert: db.prepare<[string, string, string]>('INSERT INTO rollouts (created, status, state) VALUES (?, ?, ?)'),
      save: db.prepare<[string, string, number]>('UPDATE rollouts SET status = ?, state = ? WHERE id = ?'),
      get: db.prepare<[number], { state: string }>('SELECT state FROM rollouts WHERE id = ?'),
      list: db.prepare<[number], { state: string }>('SELECT state FROM rollouts ORDER BY id DESC LIMIT ?'),
      active: db.prepare<[], { state: string }>(`SELECT state FROM rollouts WHERE status IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')}) ORDER BY id`),
    };
  }

  /** Stores a new rollout and returns it with its id. */
  create(rollout: Omit<Rollout, 'id'>): Rollout {
    const id = Number(this.q.insert.run(rollout.createdAt, rollout.status, '{}').lastInsertRowid);
    const r: Rollout = { ...rollout, id };
    this.save(r);
    return r;
  }

  save(r: Rollout): void {
    this.q.save.run(r.status, JSON.stringify(r), r.id);
  }

  get(id: number): Rollout | null {
    const row = this.q.get.get(id);
    return row ? (JSON.parse(row.state) as Rollout) : null;
  }

  list(limit: number): Rollout[] {
    return this.q.list.all(limit).map((r) => JSON.parse(r.state) as Rollout);
  }

  active(): Rollout[] {
    return this.q.active.all().map((r) => JSON.parse(r.state) as Rollout);
  }
}
