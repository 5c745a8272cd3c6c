// Rollouts in the hub's database: a row per rollout (spec, status, counters, timeline as JSON) and
// a row per rollout host, written only for the hosts that changed. Every rollout query of the hub
// is in this file, in SQL both SQLite and PostgreSQL accept.

import { indexOf } from '../rollouts/ledger.js';
import { ACTIVE_STATUSES, HOST_PHASES, rolloutHost, summarise, type HostPhase, type Rollout, type RolloutHead, type RolloutHost } from '../rollouts/model.js';
import type { RolloutStorage } from './port.js';
import { byRowCount, chunksOf, jsonOnce, one, type SqlExec, type SqlValue } from './sql.js';

const ACTIVE = ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ');

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

interface RolloutRow {
  id: number;
  state: string;
}

const HOST_COLUMNS = 14;
/** Host rows per upsert statement: a wave of 2,500 is 25 statements, not 2,500. */
const HOST_CHUNK = 100;

const upsertHosts = byRowCount((rows) => {
  const values = Array.from({ length: rows }, () => `(${new Array<string>(HOST_COLUMNS).fill('?').join(', ')})`).join(', ');
  return `INSERT INTO rollout_hosts (rollout, host, pos, wave, phase, commit_id, previous, revert_commit, published_at, reason, evidence, branch, labels, updated)
  VALUES ${values}
  ON CONFLICT (rollout, host) DO UPDATE SET phase = excluded.phase, commit_id = excluded.commit_id, previous = excluded.previous,
    revert_commit = excluded.revert_commit, published_at = excluded.published_at, reason = excluded.reason, evidence = excluded.evidence, updated = excluded.updated`;
});

const HOSTS = 'SELECT host, wave, phase, commit_id, previous, revert_commit, published_at, reason, evidence, branch, labels FROM rollout_hosts WHERE rollout = ? ORDER BY pos';

function phaseOf(text: string): HostPhase {
  const p = HOST_PHASES.find((x) => x === text);
  if (!p) throw new Error(`rollout_hosts: unknown phase ${JSON.stringify(text)}`);
  return p;
}

function hostOf(row: HostRow): RolloutHost {
  return rolloutHost({
    host: row.host, branch: row.branch, labels: JSON.parse(row.labels) as Record<string, string>, wave: Number(row.wave), phase: phaseOf(row.phase),
    commit: row.commit_id, previous: row.previous, revertCommit: row.revert_commit, publishedAt: row.published_at === null ? null : Number(row.published_at),
    reason: row.reason, evidence: row.evidence === null ? null : (JSON.parse(row.evidence) as unknown),
  });
}

/**
 * The statements of one save, serialised at once: later changes to the rollout are not part of it.
 * A host about to be pushed (`publishing`) keeps its row as it was (pending): the rollout's row
 * counts it, which is what a restart needs (withPublishing) and a wave of rows fewer to write.
 */
function writes(r: Rollout, hosts: readonly RolloutHost[], updated: string): { sql: string; params: SqlValue[] }[] {
  const head: Partial<Rollout> = { ...r };
  delete head.hosts;
  const out = [{ sql: 'UPDATE rollouts SET status = ?, state = ? WHERE id = ?', params: [r.status, JSON.stringify(head), r.id] as SqlValue[] }];
  // Positions (the order the rollout was created with) count on insert only.
  const all = hosts.length === r.hosts.length;
  const rows = hosts.flatMap((h, k): SqlValue[][] => h.phase === 'publishing' ? [] : [[r.id, h.host, all ? k : indexOf(r, h.host), h.wave, h.phase, h.commit, h.previous, h.revertCommit, h.publishedAt, h.reason,
    h.evidence === null || h.evidence === undefined ? null : JSON.stringify(h.evidence), h.branch,
    // A host's labels keep their object from the rollout's creation on (ledger.ts copies the host, not them).
    jsonOnce(h.labels), updated]]);
  for (const chunk of chunksOf(rows, HOST_CHUNK)) out.push({ sql: upsertHosts(chunk.length), params: chunk.flat() });
  return out;
}

export class SqlRolloutStorage implements RolloutStorage {
  /** The last save of each rollout still under way. */
  private readonly saving = new Map<number, Promise<void>>();

  constructor(private readonly x: SqlExec, private readonly now: () => Date = () => new Date()) {}

  async create(rollout: Omit<Rollout, 'id'>): Promise<Rollout> {
    return this.x.tx(async (t) => {
      const row = await one<{ id: number }>(t, 'INSERT INTO rollouts (created, status, state) VALUES (?, ?, ?) RETURNING id', [rollout.createdAt, rollout.status, '{}']);
      if (!row) throw new Error('INSERT INTO rollouts returned no id');
      const r: Rollout = { ...rollout, id: Number(row.id) };
      for (const w of writes(r, r.hosts, this.now().toISOString())) await t.run(w.sql, w.params);
      return r;
    });
  }

  save(r: Rollout, hosts: readonly RolloutHost[]): Promise<void> {
    const statements = writes(r, hosts, this.now().toISOString());
    // One rollout's saves commit in the order they were made (a pool may run them on two connections).
    const previous = this.saving.get(r.id) ?? Promise.resolve();
    const done = previous.catch(() => undefined).then(() => this.x.tx(async (t) => {
      for (const w of statements) await t.run(w.sql, w.params);
    }));
    this.saving.set(r.id, done);
    const forget = (): void => {
      if (this.saving.get(r.id) === done) this.saving.delete(r.id);
    };
    done.then(forget, forget);
    return done;
  }

  async get(id: number): Promise<Rollout | null> {
    const row = await one<RolloutRow>(this.x, 'SELECT id, state FROM rollouts WHERE id = ?', [id]);
    return row ? this.load(row) : null;
  }

  /** Newest first, without their hosts. */
  async list(limit: number): Promise<RolloutHead[]> {
    const rows = await this.x.all<RolloutRow>('SELECT id, state FROM rollouts ORDER BY id DESC LIMIT ?', [limit]);
    const out: RolloutHead[] = [];
    for (const row of rows) out.push(headOf(row) ?? (await this.load(row)));
    return out;
  }

  async active(): Promise<Rollout[]> {
    const rows = await this.x.all<RolloutRow>(`SELECT id, state FROM rollouts WHERE status IN (${ACTIVE}) ORDER BY id`);
    const out: Rollout[] = [];
    for (const row of rows) out.push(await this.load(row));
    return out;
  }

  private async load(row: RolloutRow): Promise<Rollout> {
    const head = headOf(row);
    if (head) return withPublishing({ ...head, hosts: (await this.x.all<HostRow>(HOSTS, [head.id])).map(hostOf) });
    // Written by a hub before the per-host rows (migration 5): the whole rollout in one JSON; moved to rows now.
    const old = JSON.parse(row.state) as Omit<Rollout, 'waveCounts' | 'busy' | 'checkTimeoutsAt'>;
    const r: Rollout = { ...old, id: Number(row.id), ...summarise(old.hosts, old.waveCount, old.spec) };
    await this.save(r, r.hosts);
    return r;
  }
}

/** The head of a row in today's form, or null for a row an older hub wrote (the hosts inside). */
function headOf(row: RolloutRow): RolloutHead | null {
  const parsed = JSON.parse(row.state) as RolloutHead & { hosts?: unknown };
  if (Array.isArray(parsed.hosts) || !Array.isArray(parsed.waveCounts)) return null;
  return { ...parsed, id: Number(row.id) };
}

/**
 * A rollout as stored: a wave its row counts hosts publishing in has them as pending rows (see
 * writes). Every pending host of such a wave is publishing again: a restart reads their branches,
 * and those this rollout did not push go back to pending (recovery.ts).
 */
function withPublishing(r: Rollout): Rollout {
  const waves = new Set(r.waveCounts.flatMap((c, w) => (c.publishing > 0 ? [w] : [])));
  if (waves.size === 0) return r;
  const hosts = r.hosts.map((h) => (h.phase === 'pending' && waves.has(h.wave) ? rolloutHost({ ...h, phase: 'publishing' }) : h));
  return { ...r, hosts, ...summarise(hosts, r.waveCount, r.spec) };
}
