// Opens the agent's SQLite database in WAL mode and brings its schema up to date.
// The only place that knows how the file is opened; queries live in store.ts.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  file: string;
  /** Path of better-sqlite3's native addon when it is not in node_modules (single binary). */
  nativeBinding?: string;
}

export function openDatabase(options: OpenOptions): Db {
  let db: Db;
  try {
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    db = options.nativeBinding
      ? new Database(options.file, { nativeBinding: options.nativeBinding })
      : new Database(options.file);
  } catch (err) {
    throw new StoreError('STORE_OPEN_FAILED', `cannot open state database ${options.file}`, {
      handling: 'fatal',
      cause: err,
    });
  }
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last transactions, never corrupt the file.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // The state is small; a 1 MB page cache (not the default 2 MB) keeps the agent lean.
    db.pragma('cache_size = -1024');
    migrate(db);
  } catch (err) {
    db.close();
    throw new StoreError('STORE_MIGRATE_FAILED', `cannot prepare state database ${options.file}`, {
      handling: 'fatal',
      cause: err,
    });
  }
  return db;
}

function migrate(db: Db): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema ${current} is newer than this agent knows (${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version];
    if (sql === undefined) continue;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
