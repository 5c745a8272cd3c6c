// Opens the hub's storage named by `database:` in hub.yaml: a SQLite file (the default) or a
// PostgreSQL URL, and brings its schema up to date. The only place that picks an adapter.

import { nativeBinding } from '../../agent/sqlite/native.js';
import { openDatabase } from '../../agent/sqlite/database.js';
import { StoreError } from '../../agent/contracts/errors.js';
import { SqlAuthStorage } from './auth-queries.js';
import { SqlHostStorage } from './host-queries.js';
import { SqlMetricsStorage } from './metrics-queries.js';
import { MIGRATIONS } from './migrations.js';
import type { ClusterStorage, HubStorage, StorageKind } from './port.js';
import { postgresCluster, sqliteCluster } from './cluster.js';
import { createClient, createPool, PostgresExec } from './postgres-exec.js';
import { migratePostgres } from './postgres-migrate.js';
import { SqlRolloutStorage } from './rollout-queries.js';
import type { SqlExec } from './sql.js';
import { SqliteExec } from './sqlite-exec.js';

export interface DatabaseTarget {
  /** A SQLite file path, or postgres://user@host:port/db. */
  database: string;
  /** PostgreSQL's password (from `passwordFile:`), never part of the URL. */
  password: string | null;
}

/** SQLite's page cache for the hub's database (KiB): grows only as pages are read, bounded by this. */
const HUB_CACHE_KB = 64 * 1024;
/**
 * WAL pages (4 KiB) before SQLite copies them into the database file: 40 MB, not SQLite's 4 MB. A
 * rollout of 5,000 hosts writes some 45 MB of WAL, most of it the same few thousand pages again
 * (the hosts', the events index's); at 4 MB each page was copied back after nearly every commit
 * that touched it, at 40 MB about once a rollout.
 */
export const HUB_WAL_CHECKPOINT_PAGES = 10_000;

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** The hub's storage over an already open executor (the migrate command opens two). */
export interface OpenStorage extends HubStorage {
  readonly exec: SqlExec;
}

function storageOver(kind: StorageKind, exec: SqlExec, cluster: ClusterStorage, close: () => Promise<void>): OpenStorage {
  return { kind, exec, hosts: new SqlHostStorage(exec, kind), auth: new SqlAuthStorage(exec), rollouts: new SqlRolloutStorage(exec), metrics: new SqlMetricsStorage(exec), cluster, close };
}

export function openSqliteStorage(file: string): OpenStorage {
  const db = openDatabase({ file, migrations: MIGRATIONS.map((m) => m.sqlite), what: 'hub database', nativeBinding: nativeBinding() });
  // Not the agent's 1 MB: a host's rows (hosts with its status, host_resources) are about a page,
  // so 5,000 hosts are some 20 MB, and a cache smaller than that reads them from the file again.
  db.pragma(`cache_size = -${HUB_CACHE_KB}`);
  db.pragma(`wal_autocheckpoint = ${HUB_WAL_CHECKPOINT_PAGES}`);
  const exec = new SqliteExec(db);
  return storageOver('sqlite', exec, sqliteCluster(exec), async () => {
    db.close();
  });
}

export async function openPostgresStorage(url: string, password: string | null, max?: number): Promise<OpenStorage> {
  const pool = createPool({ url, password, ...(max !== undefined ? { max } : {}) });
  // An idle client losing its server (PostgreSQL restarted) must not crash the hub: the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await migratePostgres(pool, MIGRATIONS.map((m) => m.postgres));
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreError('STORE_MIGRATE_FAILED', `cannot prepare hub database ${url}: ${(err as Error).message}`, { handling: 'fatal', cause: err });
  }
  const exec = new PostgresExec(pool);
  const cluster = postgresCluster(exec, () => createClient({ url, password }));
  return storageOver('postgres', exec, cluster, async () => {
    await cluster.close();
    await pool.end();
  });
}

export async function openHubStorage(target: DatabaseTarget): Promise<OpenStorage> {
  return isPostgresUrl(target.database) ? openPostgresStorage(target.database, target.password) : openSqliteStorage(target.database);
}
