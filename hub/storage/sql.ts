// The one thing the storage's queries need from a database: run SQL with `?` parameters, alone or
// in a transaction. sqlite-exec.ts and postgres-exec.ts are its two adapters.

import { StoreError } from '../../agent/contracts/errors.js';

export type SqlValue = string | number | null;

export interface SqlExec {
  /** Rows of a SELECT, or of a statement with RETURNING. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (x: SqlExec) => Promise<T>): Promise<T>;
}

/** Host names in byte order: the order every write locks host rows in (PostgreSQL), so two hubs' writes cannot deadlock. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function inNameOrder<R extends { host: string }>(rows: readonly R[]): R[] {
  return [...rows].sort((a, b) => compareNames(a.host, b.host));
}

/** `items` in slices of at most `size`: multi-row statements of a bounded length. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `build` of a multi-row statement, made once per row count: a flush's statements are a few texts
 * of some kilobytes, which the SQLite adapter finds its prepared statements by (built anew each
 * time, each lookup hashed and compared one more copy).
 */
export function byRowCount(build: (rows: number) => string): (rows: number) => string {
  const texts = new Map<number, string>();
  return (rows) => {
    let text = texts.get(rows);
    if (text === undefined) texts.set(rows, (text = build(rows)));
    return text;
  };
}

const texts = new WeakMap<object, string>();

/**
 * JSON of an object the hub never changes in place (it replaces it when an agent sends a new one):
 * serialised once, however often its row is written again.
 */
export function jsonOnce(value: object): string {
  let text = texts.get(value);
  if (text === undefined) texts.set(value, (text = JSON.stringify(value)));
  return text;
}

export async function one<T>(x: SqlExec, sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
  return (await x.all<T>(sql, params))[0];
}

/** The adapters' errors: the library's own as `cause`, the statement's first words for the log. */
export function queryFailed(sql: string, cause: unknown): StoreError {
  const what = sql.trim().split(/\s+/).slice(0, 4).join(' ');
  return new StoreError('STORE_QUERY_FAILED', `hub database: ${what} ...: ${cause instanceof Error ? cause.message : String(cause)}`, { handling: 'retry', cause });
}
