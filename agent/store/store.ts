// Typed queries over the agent's state: revisions and verdicts, applies and steps, the last good
// revision, drift, owned resources and key-value state. No SQL outside this folder.

import type { ResourceChange } from '../planner/steps.js';
import type { Db } from './db.js';
import { STATE_SCHEMAS, type StateKey, type StateMap } from './state.js';
import { StoreError, type ErrorJSON } from '../contracts/errors.js';

export type Verdict =
  | 'seen' // fetched, not yet judged
  | 'pending' // valid, waiting for a maintenance window
  | 'invalid' // failed validation or policy
  | 'refused' // signature or rewind check failed
  | 'applied' // converged and healthy
  | 'failed' // apply or health gate failed, not rolled back
  | 'rolled-back' // failed and the last good revision was put back
  | 'rollback-failed'; // failed, and putting the last good revision back failed too

/** A commit's verdicts that mean "do not try again until the branch moves". */
export const FINAL_BAD_VERDICTS: readonly Verdict[] = ['invalid', 'refused', 'failed', 'rolled-back', 'rollback-failed'];

export interface RevisionMeta {
  commit: string;
  author: string;
  email: string;
  date: string;
  message: string;
}

export interface RevisionRecord extends RevisionMeta {
  signer: string | null;
  verdict: Verdict;
  error: ErrorJSON | null;
  firstSeen: string;
  updated: string;
}

/**
 * Why an apply ran: a new commit seen by a poll, drift, an operator (`moor sync`), the hub
 * relaying a push (`webhook`) or asked from its API or dashboard (`hub`), a rollback.
 */
export type ApplyTrigger = 'commit' | 'drift' | 'manual' | 'webhook' | 'hub' | 'rollback' | 'recovery';
export type ApplyResult = 'running' | 'succeeded' | 'failed' | 'rolled-back' | 'interrupted';

export interface StepRecord {
  seq: number;
  stepId: string;
  kind: string;
  resource: string;
  startedAt: string;
  finishedAt: string;
  result: 'ok' | 'failed';
  error: ErrorJSON | null;
}

export interface ApplyRecord {
  id: number;
  commit: string;
  trigger: ApplyTrigger;
  startedAt: string;
  finishedAt: string | null;
  result: ApplyResult;
  error: ErrorJSON | null;
  changes: ResourceChange[];
  steps: StepRecord[];
}

export interface DriftRecord {
  id: number;
  at: string;
  resource: string;
  detail: string;
  action: 'healed' | 'reported';
}

export interface OwnedResource {
  kind: string;
  name: string;
  hash: string;
  spec: unknown;
  commit: string;
}

interface RevisionRow {
  commit_id: string;
  author: string;
  email: string;
  date: string;
  message: string;
  signer: string | null;
  verdict: Verdict;
  error: string | null;
  first_seen: string;
  updated: string;
}

interface ApplyRow {
  id: number;
  commit_id: string;
  trigger: ApplyTrigger;
  started_at: string;
  finished_at: string | null;
  result: ApplyResult;
  error: string | null;
  changes: string;
}

interface StepRow {
  seq: number;
  step_id: string;
  kind: string;
  resource: string;
  started_at: string;
  finished_at: string;
  result: 'ok' | 'failed';
  error: string | null;
}

export class Store {
  private readonly db: Db;
  private readonly now: () => Date;

  constructor(deps: { db: Db; now: () => Date }) {
    this.db = deps.db;
    this.now = deps.now;
  }

  close(): void {
    this.db.close();
  }

  get database(): Db {
    return this.db;
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  // --- revisions ---------------------------------------------------------------------------

  /** Records a commit the first time it is seen; later calls leave its verdict alone. */
  recordRevision(meta: RevisionMeta): RevisionRecord {
    const at = this.stamp();
    this.db
      .prepare(
        `INSERT INTO revisions (commit_id, author, email, date, message, signer, verdict, error, first_seen, updated)
         VALUES (?, ?, ?, ?, ?, NULL, 'seen', NULL, ?, ?) ON CONFLICT(commit_id) DO NOTHING`,
      )
      .run(meta.commit, meta.author, meta.email, meta.date, meta.message, at, at);
    const rec = this.revision(meta.commit);
    if (!rec) throw new Error(`revision ${meta.commit} vanished after insert`);
    return rec;
  }

  setVerdict(commit: string, verdict: Verdict, details: { error?: ErrorJSON | null; signer?: string | null } = {}): void {
    this.db
      .prepare(
        `UPDATE revisions SET verdict = ?, error = ?, signer = COALESCE(?, signer), updated = ? WHERE commit_id = ?`,
      )
      .run(verdict, details.error ? JSON.stringify(details.error) : null, details.signer ?? null, this.stamp(), commit);
  }

  revision(commit: string): RevisionRecord | null {
    const row = this.db.prepare(`SELECT * FROM revisions WHERE commit_id = ?`).get(commit) as RevisionRow | undefined;
    return row ? toRevision(row) : null;
  }

  revisions(limit: number): RevisionRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM revisions ORDER BY first_seen DESC, rowid DESC LIMIT ?`)
      .all(limit) as RevisionRow[];
    return rows.map(toRevision);
  }

  // --- applies -----------------------------------------------------------------------------

  startApply(commit: string, trigger: ApplyTrigger, changes: ResourceChange[]): number {
    const info = this.db
      .prepare(
        `INSERT INTO applies (commit_id, trigger, started_at, result, changes) VALUES (?, ?, ?, 'running', ?)`,
      )
      .run(commit, trigger, this.stamp(), JSON.stringify(changes));
    return Number(info.lastInsertRowid);
  }

  recordStep(applyId: number, step: Omit<StepRecord, 'seq'>): void {
    this.db
      .prepare(
        `INSERT INTO apply_steps (apply_id, seq, step_id, kind, resource, started_at, finished_at, result, error)
         VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM apply_steps WHERE apply_id = ?), ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        applyId,
        applyId,
        step.stepId,
        step.kind,
        step.resource,
        step.startedAt,
        step.finishedAt,
        step.result,
        step.error ? JSON.stringify(step.error) : null,
      );
  }

  finishApply(applyId: number, result: Exclude<ApplyResult, 'running'>, error: ErrorJSON | null = null): void {
    this.db
      .prepare(`UPDATE applies SET result = ?, error = ?, finished_at = ? WHERE id = ?`)
      .run(result, error ? JSON.stringify(error) : null, this.stamp(), applyId);
  }

  /** Applies left 'running' by a crash are marked interrupted; returns how many. */
  markInterruptedApplies(): number {
    const info = this.db
      .prepare(`UPDATE applies SET result = 'interrupted', finished_at = ? WHERE result = 'running'`)
      .run(this.stamp());
    return info.changes;
  }

  applies(limit: number, options: { withSteps?: boolean } = {}): ApplyRecord[] {
    const rows = this.db.prepare(`SELECT * FROM applies ORDER BY id DESC LIMIT ?`).all(limit) as ApplyRow[];
    const stepsOf = this.db.prepare(`SELECT * FROM apply_steps WHERE apply_id = ? ORDER BY seq`);
    return rows.map((row) => toApply(row, options.withSteps ? (stepsOf.all(row.id) as StepRow[]) : []));
  }

  /** Keeps the history bounded: drops applies (and their steps) beyond the newest `keep`. */
  trimApplies(keep: number): void {
    this.db.prepare(`DELETE FROM applies WHERE id <= (SELECT MAX(id) FROM applies) - ?`).run(keep);
  }

  // --- key-value state ---------------------------------------------------------------------

  /** The value kept under `key`, checked against its schema; null when absent. */
  get<K extends StateKey>(key: K): StateMap[K] | null {
    const row: unknown = this.db.prepare(`SELECT value FROM kv WHERE key = ?`).get(key);
    if (row === undefined) return null;
    const text = typeof row === 'object' && row !== null && 'value' in row && typeof row.value === 'string' ? row.value : 'null';
    const parsed = STATE_SCHEMAS[key].safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new StoreError('STATE_INVALID', `state key ${key} holds a value of the wrong shape: ${parsed.error.message}`, { handling: 'bug', data: { key } });
    }
    return parsed.data;
  }

  set<K extends StateKey>(key: K, value: StateMap[K]): void {
    this.db
      .prepare(`INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
      .run(key, JSON.stringify(value));
  }

  delete(key: StateKey): void {
    this.db.prepare(`DELETE FROM kv WHERE key = ?`).run(key);
  }

  // --- drift -------------------------------------------------------------------------------

  recordDrift(resource: string, detail: string, action: DriftRecord['action']): void {
    this.db
      .prepare(`INSERT INTO drift (at, resource, detail, action) VALUES (?, ?, ?, ?)`)
      .run(this.stamp(), resource, detail, action);
    this.db.prepare(`DELETE FROM drift WHERE id <= (SELECT MAX(id) FROM drift) - 1000`).run();
  }

  drift(limit: number): DriftRecord[] {
    return this.db.prepare(`SELECT * FROM drift ORDER BY id DESC LIMIT ?`).all(limit) as DriftRecord[];
  }

  // --- resources moor installed (units, files, container specs for explanations) -----------

  putResource(res: OwnedResource): void {
    this.db
      .prepare(
        `INSERT INTO resources (kind, name, hash, spec, commit_id, updated) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(kind, name) DO UPDATE SET hash = excluded.hash, spec = excluded.spec,
           commit_id = excluded.commit_id, updated = excluded.updated`,
      )
      .run(res.kind, res.name, res.hash, JSON.stringify(res.spec), res.commit, this.stamp());
  }

  deleteResource(kind: string, name: string): void {
    this.db.prepare(`DELETE FROM resources WHERE kind = ? AND name = ?`).run(kind, name);
  }

  resources(kind: string): OwnedResource[] {
    const rows = this.db.prepare(`SELECT * FROM resources WHERE kind = ? ORDER BY name`).all(kind) as {
      kind: string;
      name: string;
      hash: string;
      spec: string;
      commit_id: string;
    }[];
    return rows.map((r) => ({ kind: r.kind, name: r.name, hash: r.hash, spec: JSON.parse(r.spec) as unknown, commit: r.commit_id }));
  }

  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }
}

/** The keys of the key-value table, in one place. */
export type { StateKey, StateMap } from './state.js';

function parseError(text: string | null): ErrorJSON | null {
  return text ? (JSON.parse(text) as ErrorJSON) : null;
}

function toRevision(row: RevisionRow): RevisionRecord {
  return {
    commit: row.commit_id,
    author: row.author,
    email: row.email,
    date: row.date,
    message: row.message,
    signer: row.signer,
    verdict: row.verdict,
    error: parseError(row.error),
    firstSeen: row.first_seen,
    updated: row.updated,
  };
}

function toApply(row: ApplyRow, steps: StepRow[]): ApplyRecord {
  return {
    id: row.id,
    commit: row.commit_id,
    trigger: row.trigger,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    result: row.result,
    error: parseError(row.error),
    changes: JSON.parse(row.changes) as ResourceChange[],
    steps: steps.map((s) => ({
      seq: s.seq,
      stepId: s.step_id,
      kind: s.kind,
      resource: s.resource,
      startedAt: s.started_at,
      finishedAt: s.finished_at,
      result: s.result,
      error: parseError(s.error),
    })),
  };
}
