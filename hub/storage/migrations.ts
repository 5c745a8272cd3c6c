// The hub's schema, one numbered migration per change, for both databases side by side: the same
// text where both accept it, each its own where they differ (row ids: AUTOINCREMENT vs BIGSERIAL).
// A migration once released never changes: existing databases already ran it.

export interface Migration {
  sqlite: string;
  postgres: string;
}

const LEASES = `
  CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    expires  BIGINT NOT NULL
  );
  `;

/** Applied in order by both adapters; the SQLite texts are those hub/db.ts had before the port. */
export const MIGRATIONS: readonly Migration[] = [
  // 1: hosts and their last known state, hashed tokens, events, branch heads from push webhooks.
  {
    sqlite: `
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
    postgres: `
  CREATE TABLE hosts (
    host        TEXT PRIMARY KEY,
    branch      TEXT NOT NULL DEFAULT '',
    version     TEXT NOT NULL DEFAULT '',
    inventory   TEXT,
    status      TEXT,
    metrics     TEXT,
    summary     TEXT,
    last_seen   TEXT,
    last_seq    BIGINT NOT NULL DEFAULT 0,
    first_seen  TEXT NOT NULL
  );
  CREATE TABLE tokens (
    hash     TEXT PRIMARY KEY,
    host     TEXT NOT NULL,
    created  TEXT NOT NULL
  );
  CREATE INDEX tokens_host ON tokens(host);
  CREATE TABLE events (
    id        BIGSERIAL PRIMARY KEY,
    host      TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    at        TEXT NOT NULL,
    received  TEXT NOT NULL,
    type      TEXT NOT NULL,
    payload   TEXT NOT NULL
  );
  CREATE INDEX events_host ON events(host, id);
  -- Several hubs may receive the same batch (a hub died before its ack): stored once.
  CREATE UNIQUE INDEX events_host_seq ON events(host, seq);
  CREATE TABLE branch_heads (
    branch  TEXT PRIMARY KEY,
    head    TEXT NOT NULL,
    at      TEXT NOT NULL
  );
  `,
  },
  // 2: operators (hashed API tokens, roles), dashboard sessions, the audit log, webhook deliveries
  // already acted on and the heads each branch has had; event sizes for the per-host byte cap.
  {
    sqlite: `
  CREATE TABLE users (
    name     TEXT PRIMARY KEY,
    role     TEXT NOT NULL,
    hash     TEXT NOT NULL UNIQUE,
    created  TEXT NOT NULL
  );
  CREATE TABLE sessions (
    hash     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL,
    via      TEXT NOT NULL,
    expires  TEXT NOT NULL
  );
  CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    result  TEXT NOT NULL,
    remote  TEXT NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id  TEXT PRIMARY KEY,
    at  TEXT NOT NULL
  );
  CREATE TABLE branch_head_history (
    branch  TEXT NOT NULL,
    head    TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (branch, head)
  );
  ALTER TABLE events ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  `,
    postgres: `
  CREATE TABLE users (
    name     TEXT PRIMARY KEY,
    role     TEXT NOT NULL,
    hash     TEXT NOT NULL UNIQUE,
    created  TEXT NOT NULL
  );
  CREATE TABLE sessions (
    hash     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL,
    via      TEXT NOT NULL,
    expires  TEXT NOT NULL
  );
  CREATE TABLE audit (
    id      BIGSERIAL PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    result  TEXT NOT NULL,
    remote  TEXT NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id  TEXT PRIMARY KEY,
    at  TEXT NOT NULL
  );
  CREATE TABLE branch_head_history (
    branch  TEXT NOT NULL,
    head    TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (branch, head)
  );
  ALTER TABLE events ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  `,
  },
  // 3: progressive rollouts (hub/rollouts/), each kept whole as JSON: one row per rollout.
  {
    sqlite: `
  CREATE TABLE rollouts (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    created  TEXT NOT NULL,
    status   TEXT NOT NULL,
    state    TEXT NOT NULL
  );
  CREATE INDEX rollouts_status ON rollouts(status);
  `,
    postgres: `
  CREATE TABLE rollouts (
    id       BIGSERIAL PRIMARY KEY,
    created  TEXT NOT NULL,
    status   TEXT NOT NULL,
    state    TEXT NOT NULL
  );
  CREATE INDEX rollouts_status ON rollouts(status);
  `,
  },
  // 4: leases: which hub runs the rollouts and the fleet-wide alerts while several share a database.
  {
    sqlite: LEASES,
    postgres: LEASES,
  },
];
