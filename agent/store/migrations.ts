// Numbered schema migrations of the agent's SQLite state, applied in order at open.
// A migration is never edited once shipped; add a new one instead.

export const MIGRATIONS: readonly string[] = [
  // 1: revisions, applies and their steps, key-value state, drift, outbox, owned resources.
  `
  CREATE TABLE revisions (
    commit_id   TEXT PRIMARY KEY,
    author      TEXT NOT NULL,
    email       TEXT NOT NULL,
    date        TEXT NOT NULL,
    message     TEXT NOT NULL,
    signer      TEXT,
    verdict     TEXT NOT NULL,
    error       TEXT,
    first_seen  TEXT NOT NULL,
    updated     TEXT NOT NULL
  );
  CREATE TABLE applies (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    commit_id    TEXT NOT NULL,
    trigger      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    result       TEXT NOT NULL,
    error        TEXT,
    changes      TEXT NOT NULL
  );
  CREATE INDEX applies_commit ON applies(commit_id);
  CREATE TABLE apply_steps (
    apply_id     INTEGER NOT NULL REFERENCES applies(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    step_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    resource     TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    result       TEXT NOT NULL,
    error        TEXT,
    PRIMARY KEY (apply_id, seq)
  );
  CREATE TABLE kv (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
  );
  CREATE TABLE drift (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    resource  TEXT NOT NULL,
    detail    TEXT NOT NULL,
    action    TEXT NOT NULL
  );
  CREATE TABLE outbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    type     TEXT NOT NULL,
    payload  TEXT NOT NULL
  );
  CREATE TABLE resources (
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    hash      TEXT NOT NULL,
    spec      TEXT NOT NULL,
    commit_id TEXT NOT NULL,
    updated   TEXT NOT NULL,
    PRIMARY KEY (kind, name)
  );
  `,
];
