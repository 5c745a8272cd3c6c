// Brings a PostgreSQL hub schema up to date, once even when several hubs start together: the
// migrations run in one transaction under an advisory lock, the version in a table of its own.

import type pg from 'pg';

/** Any fixed number: the lock that serialises hub migrations on one database. */
const MIGRATE_LOCK = 0x6d6f6f72;

export async function migratePostgres(pool: pg.Pool, migrations: readonly string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS moor_schema (version INTEGER NOT NULL)');
    const rows = (await client.query<{ version: number }>('SELECT version FROM moor_schema')).rows;
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) throw new Error(`database schema ${current} is newer than this version knows (${migrations.length})`);
    for (let v = current; v < migrations.length; v++) {
      const sql = migrations[v];
      if (sql !== undefined) await client.query(sql);
    }
    if (rows.length === 0) await client.query('INSERT INTO moor_schema (version) VALUES ($1)', [migrations.length]);
    else await client.query('UPDATE moor_schema SET version = $1', [migrations.length]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
