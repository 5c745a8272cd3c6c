// Opens the agent's state database: the SQLite file (sqlite/database.ts) with the agent's
// migrations. Queries live in store.ts.

import { openDatabase as openSqlite, type Db, type OpenOptions as SqliteOptions } from '../sqlite/database.js';
import { MIGRATIONS } from './migrations.js';

export type { Db };

export interface OpenOptions extends Omit<SqliteOptions, 'migrations'> {
  /** The agent's migrations unless told otherwise. */
  migrations?: readonly string[];
}

export function openDatabase(options: OpenOptions): Db {
  return openSqlite({ ...options, migrations: options.migrations ?? MIGRATIONS });
}
