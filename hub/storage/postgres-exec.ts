// SqlExec over a `pg` Pool: the queries' `?` become $1, $2 ...; BIGINT and COUNT come back as
// numbers (every value the hub stores is far below 2^53).

import pg from 'pg';
import { queryFailed, type SqlExec, type SqlValue } from './sql.js';

const INT8 = 20;

export interface PostgresTarget {
  /** postgres://user@host:port/db, no password in it. */
  url: string;
  password: string | null;
  /** Connections kept open (a hub needs few: its writes are batched). */
  max?: number;
}

/** A connection of its own (LISTEN holds one for good). */
export function createClient(target: PostgresTarget): pg.Client {
  return new pg.Client({ connectionString: withPassword(target.url, target.password), application_name: 'moor-hub-listen' });
}

export function createPool(target: PostgresTarget): pg.Pool {
  return new pg.Pool({
    connectionString: withPassword(target.url, target.password),
    max: target.max ?? 8,
    application_name: 'moor-hub',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
}

/** pg reads the password from the URL only (a separate `password` loses to the URL's absent one); in memory, never logged. */
export function withPassword(url: string, password: string | null): string {
  if (password === null) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

const numbered = new Map<string, string>();

/** `?` placeholders to PostgreSQL's `$n` (the queries hold no `?` inside literals). */
export function toPositional(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

type Queryable = pg.Pool | pg.PoolClient;

async function query(q: Queryable, sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
  try {
    return await q.query(toPositional(sql), [...params]);
  } catch (err) {
    throw queryFailed(sql, err);
  }
}

function execOn(q: Queryable, tx: SqlExec['tx']): SqlExec {
  return {
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => (await query(q, sql, params)).rows as T[],
    run: async (sql: string, params: readonly SqlValue[] = []) => (await query(q, sql, params)).rowCount ?? 0,
    tx,
  };
}

export class PostgresExec implements SqlExec {
  private readonly direct: SqlExec;

  constructor(readonly pool: pg.Pool) {
    this.direct = execOn(pool, (fn) => this.tx(fn));
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async tx<T>(fn: (x: SqlExec) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw queryFailed('BEGIN', err);
    });
    const inner: SqlExec = execOn(client, (f) => f(inner));
    try {
      await query(client, 'BEGIN', []);
      const value = await fn(inner);
      await query(client, 'COMMIT', []);
      return value;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
