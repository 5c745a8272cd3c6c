// Opens the hub's SQLite database (WAL) and brings its own schema up to date.
// Separate from the agent's state: a hub and an agent never share a file.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../agent/errors.js';

export type HubDb = Database.Database;

const MIGRATIONS: readonly string[] = [
  // 1: hosts and their last known state, hashed tokens, events, branch heads from push webhooks.
  `
  CREATE TABLE hosts (
    host        TEXT PRIMARY KEY,
    branch      TEXT NOT NULL DEFAULT '',
    version     TEXT NOT NULL DEFAULT '',
    inventory   TEXT,
    status      TEXT,
    metrics     TEXT,
    summary     TEXT,
    last_seen   TEXT,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    first_seen  TEXT NOT NULL
  );
  CREATE TABLE tokens (
    hash     TEXT PRIMARY KEY,
    host     TEXT NOT NULL,
    created  TEXT NOT NULL
  );
  CREATE INDEX tokens_host ON tokens(host);
  CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    host      TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    received  TEXT NOT NULL,
    type      TEXT NOT NULL,
    payload   TEXT NOT NULL
  );
  CREATE INDEX events_host ON events(host, id);
  CREATE TABLE branch_heads (
    branch  TEXT PRIMARY KEY,
    head    TEXT NOT NULL,
    at      TEXT NOT NULL
  );
  `,
];

export function openHubDatabase(file: string): HubDb {
  let db: HubDb;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new StoreError('HUB_STORE_OPEN_FAILED', `cannot open hub database ${file}`, { handling: 'fatal', cause: err });
  }
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    db.close();
    throw new StoreError('HUB_STORE_TOO_NEW', `hub database ${file} is newer than this hub`, { handling: 'fatal' });
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return db;
}
