// Rollouts in the hub's database: a row per rollout (spec, status, counters, timeline as JSON)
// and a row per rollout host, written only for the hosts that changed. Typed here once.
// All rollout SQL lives here, in plain SQL that SQLite and PostgreSQL both accept.

import type { HubDb } from '../db.js';
import { indexOf } from './ledger.js';
import { ACTIVE_STATUSES, HOST_PHASES, summarise, type HostPhase, type Rollout, type RolloutHead, type RolloutHost } from './model.js';

interface HostRow {
  host: string;
  wave: number;
  phase: string;
  commit_id: string | null;
  previous: string | null;
  revert_commit: string | null;
  published_at: number | null;
  reason: string;
  evidence: string | null;
  branch: string;
  labels: string;
}

type HostArgs = [number, string, number, number, string, string | null, string | null, string | null, number | null, string, string | null, string, string, string];

const UPSERT_HOST = `INSERT INTO rollout_hosts (rollout, host, pos, wave, phase, commit_id, previous, revert_commit, published_at, reason, evidence, branch, labels, updated)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (rollout, host) DO UPDATE SET phase = excluded.phase, commit_id = excluded.commit_id, previous = excluded.previous,
    revert_commit = excluded.revert_commit, published_at = excluded.published_at, reason = excluded.reason, evidence = excluded.evidence, updated = excluded.updated`;

function phaseOf(text: string): HostPhase {
  const p = HOST_PHASES.find((x) => x === text);
  if (!p) throw new Error(`rollout_hosts: unknown phase ${JSON.stringify(text)}`);
  return p;
}

function hostOf(row: HostRow): RolloutHost {
  return {
    host: row.host, branch: row.branch, labels: JSON.parse(row.labels) as Record<string, string>, wave: row.wave, phase: phaseOf(row.phase),
    commit: row.commit_id, previous: row.previous, revertCommit: row.revert_commit, publishedAt: row.published_at === null ? null : Number(row.published_at),
    reason: row.reason, evidence: row.evidence === null ? null : (JSON.parse(row.evidence) as unknown),
  };
}

export class RolloutStore {
  private readonly q;

  constructor(private readonly deps: { db: HubDb; now: () => Date }) {
    const db = deps.db;
    this.q = {
      insert: db.prepare<[string, string, string]>('INSERT INTO rollouts (created, status, state) VALUES (?, ?, ?)'),
      save: db.prepare<[string, string, number]>('UPDATE rollouts SET status = ?, state = ? WHERE id = ?'),
      get: db.prepare<[number], { id: number; state: string }>('SELECT id, state FROM rollouts WHERE id = ?'),
      list: db.prepare<[number], { id: number; state: string }>('SELECT id, state FROM rollouts ORDER BY id DESC LIMIT ?'),
      active: db.prepare<[], { id: number; state: string }>(`SELECT id, state FROM rollouts WHERE status IN (${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')}) ORDER BY id`),
      hosts: db.prepare<[number], HostRow>('SELECT host, wave, phase, commit_id, previous, revert_commit, published_at, reason, evidence, branch, labels FROM rollout_hosts WHERE rollout = ? ORDER BY pos'),
      upsert: db.prepare<HostArgs>(UPSERT_HOST),
    };
  }

  /** Stores a new rollout and returns it with its id. */
  create(rollout: Omit<Rollout, 'id'>): Rollout {
    return this.deps.db.transaction(() => {
      const id = Number(this.q.insert.run(rollout.createdAt, rollout.status, '{}').lastInsertRowid);
      const r: Rollout = { ...rollout, id };
      this.write(r, r.hosts);
      return r;
    })();
  }

  /** Stores the rollout's own row and the rows of `hosts` (the ones that changed), in one transaction. */
  save(r: Rollout, hosts: readonly RolloutHost[]): void {
    this.deps.db.transaction(() => this.write(r, hosts))();
  }

  get(id: number): Rollout | null {
    const row = this.q.get.get(id);
    return row ? this.load(row) : null;
  }

  /** Newest first, without their hosts. */
  list(limit: number): RolloutHead[] {
    return this.q.list.all(limit).map((row) => {
      const head = this.head(row);
      return head ?? this.load(row);
    });
  }

  active(): Rollout[] {
    return this.q.active.all().map((row) => this.load(row));
  }

  private write(r: Rollout, hosts: readonly RolloutHost[]): void {
    const head: Partial<Rollout> = { ...r };
    delete head.hosts;
    this.q.save.run(r.status, JSON.stringify(head), r.id);
    if (hosts.length === 0) return;
    const updated = this.deps.now().toISOString();
    // Positions (the order the rollout was created with) count on insert only.
    const all = hosts.length === r.hosts.length;
    hosts.forEach((h, k) => {
      this.q.upsert.run(r.id, h.host, all ? k : indexOf(r, h.host), h.wave, h.phase, h.commit, h.previous, h.revertCommit, h.publishedAt, h.reason, h.evidence === null || h.evidence === undefined ? null : JSON.stringify(h.evidence), h.branch, JSON.stringify(h.labels), updated);
    });
  }

  /** The head of a row in today's form, or null for a row an older hub wrote (the hosts inside). */
  private head(row: { id: number; state: string }): RolloutHead | null {
    const parsed = JSON.parse(row.state) as RolloutHead & { hosts?: unknown };
    if (Array.isArray(parsed.hosts) || !Array.isArray(parsed.waveCounts)) return null;
    return { ...parsed, id: row.id };
  }

  private load(row: { id: number; state: string }): Rollout {
    const head = this.head(row);
    if (head) return { ...head, hosts: this.q.hosts.all(row.id).map(hostOf) };
    // Written by a hub before migration 4: the whole rollout in one JSON; moved to rows now.
    const old = JSON.parse(row.state) as Omit<Rollout, 'waveCounts' | 'busy' | 'checkTimeoutsAt'>;
    const r: Rollout = { ...old, id: row.id, ...summarise(old.hosts, old.waveCount, old.spec) };
    this.save(r, r.hosts);
    return r;
  }
}
