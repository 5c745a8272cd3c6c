// Copies every table of one hub storage into another, empty one (`moor hub migrate`): rows as
// they are, ids kept, in one transaction on the target, so a failed copy leaves nothing behind.
// Read in pages of PAGE rows, so a large hub.db migrates in bounded memory.

import { StoreError } from '../../agent/contracts/errors.js';
import type { OpenStorage } from './open.js';
import { chunksOf, one, type SqlExec, type SqlValue } from './sql.js';

interface Table {
  name: string;
  /** An integer row id to page by (keyset), when the table has one. */
  id?: string;
}

/** Every table of the schema, parents first. */
const TABLES: readonly Table[] = [
  { name: 'hosts' }, { name: 'host_resources' }, { name: 'tokens' }, { name: 'events', id: 'id' }, { name: 'event_seqs' }, { name: 'branch_heads' },
  { name: 'users' }, { name: 'sessions' }, { name: 'audit', id: 'id' }, { name: 'webhook_deliveries' },
  { name: 'branch_head_history' }, { name: 'oidc_users' }, { name: 'rollouts', id: 'id' }, { name: 'rollout_hosts' },
  { name: 'host_metrics' },
];
const PAGE = 500;

export type CopyCounts = Record<string, number>;

export async function copyStorage(from: OpenStorage, to: OpenStorage): Promise<CopyCounts> {
  const busy = await nonEmpty(to.exec);
  if (busy.length > 0) {
    throw new StoreError('STORE_TARGET_NOT_EMPTY', `the target database already holds hub data (${busy.join(', ')}): nothing copied`, { handling: 'fatal' });
  }
  return to.exec.tx(async (t) => {
    const counts: CopyCounts = {};
    for (const table of TABLES) counts[table.name] = await copyTable(from.exec, t, table, from.kind === 'sqlite');
    if (to.kind === 'postgres') {
      // Rows came with their ids: the next id the sequence hands out must be above them.
      for (const table of TABLES) {
        if (table.id) await t.all(`SELECT setval(pg_get_serial_sequence('${table.name}', '${table.id}'), (SELECT COALESCE(MAX(${table.id}), 0) + 1 FROM ${table.name}), false)`);
      }
    }
    return counts;
  });
}

async function nonEmpty(x: SqlExec): Promise<string[]> {
  const out: string[] = [];
  for (const table of TABLES) if (await one(x, `SELECT 1 AS one FROM ${table.name} LIMIT 1`)) out.push(table.name);
  return out;
}

const ROWID = 'moor_copy_rowid';

async function copyTable(from: SqlExec, to: SqlExec, table: Table, sqlite: boolean): Promise<number> {
  // Keyset pages in bounded memory: on the table's integer id, else SQLite's rowid (every hub table has one).
  const key = table.id ?? (sqlite ? 'rowid' : null);
  if (key === null) {
    let copied = 0;
    const rows = await from.all<Record<string, SqlValue>>(`SELECT * FROM ${table.name}`);
    for (const page of chunksOf(rows, PAGE)) copied += await insertRows(to, table.name, page);
    return copied;
  }
  let copied = 0;
  let after = -1;
  for (;;) {
    const rows = await from.all<Record<string, SqlValue>>(`SELECT ${key} AS ${ROWID}, * FROM ${table.name} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`, [after, PAGE]);
    const last = rows[rows.length - 1];
    if (!last) return copied;
    after = Number(last[ROWID]);
    for (const r of rows) delete r[ROWID];
    copied += await insertRows(to, table.name, rows);
  }
}

async function insertRows(to: SqlExec, table: string, rows: readonly Record<string, SqlValue>[]): Promise<number> {
  const first = rows[0];
  if (!first) return 0;
  const columns = Object.keys(first);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const params: SqlValue[] = [];
  for (const r of rows) for (const c of columns) params.push(r[c] ?? null);
  await to.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`, params);
  return rows.length;
}
