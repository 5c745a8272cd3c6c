// SqlExec over better-sqlite3: statements prepared once and answered synchronously. A transaction
// holds the connection: other callers wait until it ends rather than land inside it.

import type Database from 'better-sqlite3';
import type { Db } from '../../agent/sqlite/database.js';
import { queryFailed, type SqlExec, type SqlValue } from './sql.js';

// One array binds a statement's anonymous parameters in order (not spread into arguments: an
// upsert of 100 rollout hosts binds 1,400).
type Statement = Database.Statement<[readonly SqlValue[]]>;

export class SqliteExec implements SqlExec {
  private readonly statements = new Map<string, Statement>();
  private open: Promise<void> | null = null;
  private readonly inner: SqlExec;

  constructor(readonly db: Db) {
    // The transaction's own handle: it runs at once, never waits for itself.
    this.inner = {
      all: async <T>(sql: string, params?: readonly SqlValue[]) => this.allNow<T>(sql, params),
      run: async (sql: string, params?: readonly SqlValue[]) => this.runNow(sql, params),
      tx: <T>(fn: (x: SqlExec) => Promise<T>) => fn(this.inner),
    };
  }

  async all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    while (this.open) await this.open;
    return this.allNow<T>(sql, params);
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    while (this.open) await this.open;
    return this.runNow(sql, params);
  }

  async tx<T>(fn: (x: SqlExec) => Promise<T>): Promise<T> {
    while (this.open) await this.open;
    let release = (): void => undefined;
    this.open = new Promise<void>((resolve) => (release = resolve));
    try {
      // IMMEDIATE: a CLI verb writing the same file at once waits (busy_timeout) instead of failing.
      this.exec('BEGIN IMMEDIATE');
      const value = await fn(this.inner);
      this.exec('COMMIT');
      return value;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.open = null;
      release();
    }
  }

  private exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (err) {
      throw queryFailed(sql, err);
    }
  }

  private allNow<T>(sql: string, params: readonly SqlValue[] = []): T[] {
    try {
      return this.statement(sql).all(params) as T[];
    } catch (err) {
      throw queryFailed(sql, err);
    }
  }

  private runNow(sql: string, params: readonly SqlValue[] = []): number {
    try {
      return this.statement(sql).run(params).changes;
    } catch (err) {
      throw queryFailed(sql, err);
    }
  }

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<[readonly SqlValue[]]>(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
