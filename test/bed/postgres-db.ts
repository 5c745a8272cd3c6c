// Test helper: a fresh, empty PostgreSQL database per test on the bed's server (postgres.sh), and
// the `database:` line of hub.yaml that names either it or a SQLite file, as MOOR_TEST_HUB_DB says.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { withPassword } from '../../hub/storage/postgres-exec.js';

export interface TestDatabase {
  /** postgres://moor@127.0.0.1:PORT/NAME, no password in it. */
  url: string;
  passwordFile: string;
  password: string;
}

/** True when the hub tests run against PostgreSQL (MOOR_TEST_HUB_DB=postgres). */
export function hubTestsOnPostgres(): boolean {
  return process.env['MOOR_TEST_HUB_DB'] === 'postgres';
}

/** The bed's server, or null when postgres.sh env was not evaluated. */
export function postgresBed(): { url: string; passwordFile: string } | null {
  const url = process.env['MOOR_TEST_PG_URL'];
  const passwordFile = process.env['MOOR_TEST_PG_PASSWORD_FILE'];
  return url && passwordFile ? { url, passwordFile } : null;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const bed = postgresBed();
  if (!bed) throw new Error('no PostgreSQL test bed: run `bash test/bed/postgres.sh start` and eval "$(bash test/bed/postgres.sh env)"');
  const password = readFileSync(bed.passwordFile, 'utf8').trim();
  const name = `moor_t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: withPassword(bed.url, password) });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(bed.url);
  url.pathname = `/${name}`;
  return { url: url.toString(), passwordFile: bed.passwordFile, password };
}

/** hub.yaml's `database:` line: `./hub.db`, or a fresh PostgreSQL database under MOOR_TEST_HUB_DB=postgres. */
export async function hubDatabaseYaml(): Promise<string> {
  if (!hubTestsOnPostgres()) return 'database: ./hub.db\n';
  return databaseYaml(await createTestDatabase());
}

export function databaseYaml(db: TestDatabase): string {
  return `database: { url: "${db.url}", passwordFile: "${db.passwordFile}" }\n`;
}
