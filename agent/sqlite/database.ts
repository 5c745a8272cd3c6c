// Opens a SQLite file in WAL mode and brings its schema up to date: the one place that knows how
// a file is opened, shared by the agent's state database (store/) and the hub's (hub/storage/).

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../contracts/errors.js';

export type Db = Database.Database;

export interface OpenOptions {
  file: string;
  /** Path of better-sqlite3's native addon when it is not in node_modules (single binary). */
  nativeBinding?: string;
  /** The schema's numbered migrations (the agent's and the hub's differ). */
  migrations: readonly string[];
  /** What the file is, for messages: "state database" by default. */
  what?: string;
}

export function openDatabase(options: OpenOptions): Db {
  let db: Db;
  try {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    db = options.nativeBinding
      ? new Database(options.file, { nativeBinding: options.nativeBinding })
      : new Database(options.file);
  } catch (err) {
    throw new StoreError('STORE_OPEN_FAILED', `cannot open ${options.what ?? 'state database'} ${options.file}`, {
      handling: 'fatal',
      cause: err,
    });
  }
  try {
    whileBusy(() => prepare(db, options.migrations), PREPARE_RETRY);
  } catch (err) {
    db.close();
    throw new StoreError('STORE_MIGRATE_FAILED', `cannot prepare ${options.what ?? 'state database'} ${options.file}`, {
      handling: 'fatal',
      cause: err,
    });
  }
  return db;
}

/**
 * Two processes preparing the same new file (the agent starting while a CLI verb opens it) can
 * both hold a shared lock and both want the exclusive one that switching to WAL needs: SQLite
 * then answers one of them SQLITE_BUSY at once, without waiting out busy_timeout, to break the
 * deadlock. The preparation is idempotent: that one tries again after a pause.
 */
const PREPARE_RETRY: RetryOptions = { withinMs: 10_000, pauseMs: 100 };

function prepare(db: Db, migrations: readonly string[]): void {
  // First: another process (a CLI verb next to the agent) may be opening the same file.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a power cut may lose the last transactions, never corrupt the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // The state is small; a 1 MB page cache (not the default 2 MB) keeps the agent lean.
  db.pragma('cache_size = -1024');
  migrate(db, migrations);
}

export interface RetryOptions {
  /** No new try starts once this long has passed since the first (a lock held for good still fails). */
  withinMs: number;
  pauseMs: number;
  /** Blocks for `ms` (opening a database is synchronous); Atomics.wait by default. */
  pause?: (ms: number) => void;
  now?: () => number;
}

/** Runs `fn` again, after a pause, while it fails with SQLITE_BUSY, for at most `withinMs`. */
export function whileBusy<T>(fn: () => T, options: RetryOptions): T {
  const pause = options.pause ?? ((ms: number) => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms));
  const now = options.now ?? (() => performance.now());
  const start = now();
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || now() - start + options.pauseMs > options.withinMs) throw err;
      pause(options.pauseMs);
    }
  }
}

function isBusy(err: unknown): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('SQLITE_BUSY');
}

function migrate(db: Db, migrations: readonly string[]): void {
  const version = (): number => Number(db.pragma('user_version', { simple: true }));
  if (version() === migrations.length) return;
  // IMMEDIATE: two processes opening a new file at once must not both run the migrations.
  db.transaction(() => {
    const current = version();
    if (current > migrations.length) {
      throw new Error(`database schema ${current} is newer than this version knows (${migrations.length})`);
    }
    for (let v = current; v < migrations.length; v++) {
      const sql = migrations[v];
      if (sql !== undefined) db.exec(sql);
    }
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}
