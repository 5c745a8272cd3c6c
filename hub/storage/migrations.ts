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

const OIDC_USERS = `
  CREATE TABLE oidc_users (
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    name        TEXT NOT NULL,
    display     TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL,
    created     TEXT NOT NULL,
    last_login  TEXT NOT NULL,
    revoked     TEXT,
    PRIMARY KEY (issuer, subject)
  );
  CREATE INDEX oidc_users_name ON oidc_users(name);
  `;

/** The rollout id's type: SQLite's INTEGER row ids, PostgreSQL's BIGSERIAL ones. */
const rolloutHosts = (id: string): string => `
  CREATE TABLE rollout_hosts (
    rollout        ${id} NOT NULL,
    host           TEXT NOT NULL,
    pos            INTEGER NOT NULL,
    wave           INTEGER NOT NULL,
    phase          TEXT NOT NULL,
    commit_id      TEXT,
    previous       TEXT,
    revert_commit  TEXT,
    published_at   BIGINT,
    reason         TEXT NOT NULL,
    evidence       TEXT,
    branch         TEXT NOT NULL,
    labels         TEXT NOT NULL,
    updated        TEXT NOT NULL,
    PRIMARY KEY (rollout, host)
  );
  `;

const HOST_METRICS = `
  CREATE TABLE host_metrics (
    host  TEXT NOT NULL,
    at    BIGINT NOT NULL,
    cpu   REAL,
    mem   REAL,
    disk  REAL,
    PRIMARY KEY (host, at)
  );
  `;

/**
 * Each host's event bookkeeping: the last seq stored and how many events (rows, payload bytes) it
 * has, so that an insert prunes only when the caps are passed, and then only the oldest rows over them.
 */
function eventSeqs(integer: string): string {
  return `
  CREATE TABLE event_seqs (
    host        TEXT PRIMARY KEY,
    last_seq    ${integer} NOT NULL,
    kept_rows   ${integer} NOT NULL DEFAULT 0,
    kept_bytes  ${integer} NOT NULL DEFAULT 0
  );
  INSERT INTO event_seqs (host, last_seq, kept_rows, kept_bytes)
    SELECT host, MAX(last_seq), SUM(n), SUM(b) FROM (
      SELECT host, last_seq, 0 AS n, 0 AS b FROM hosts WHERE last_seq > 0
      UNION ALL SELECT host, 0, COUNT(*), COALESCE(SUM(bytes), 0) FROM events GROUP BY host
    ) AS x GROUP BY host;
  ALTER TABLE hosts DROP COLUMN last_seq;
  `;
}

/**
 * Each host's status resources (about 2 KB of its status JSON), apart from its hosts row: a status
 * after a sync (the rest changed) rewrites them only when they changed, and a heartbeat's narrow
 * write of the hosts row no longer carries them. Rows written before keep theirs in their status
 * (read as they are; moved here at the host's next status write).
 */
const HOST_RESOURCES = `
  CREATE TABLE host_resources (
    host       TEXT PRIMARY KEY,
    resources  TEXT NOT NULL
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
  // 4: operators who log in with OpenID Connect, one row per issuer and subject, so that admins
  // see them and can revoke one (then its next login is refused whatever the provider says).
  {
    sqlite: OIDC_USERS,
    postgres: OIDC_USERS,
  },
  // 5: each rollout host as a row of its own, written only when that host changes (the rollouts
  // row keeps the rest: spec, status, counters, timeline).
  {
    sqlite: rolloutHosts('INTEGER'),
    postgres: rolloutHosts('BIGINT'),
  },
  // 6: CPU, memory and disk use per host for the host page's charts (hub/metrics-history.ts):
  // one row per host per 5-minute slot, pruned past 24 hours.
  {
    sqlite: HOST_METRICS,
    postgres: HOST_METRICS,
  },
  // 7: leases: which hub runs the rollouts and the fleet-wide alerts while several share a database.
  {
    sqlite: LEASES,
    postgres: LEASES,
  },
  // 8: each host's last stored event seq in a narrow row of its own (kept in the hosts row, every
  // events frame rewrote that whole row, its status JSON, to move one integer), with its event counts.
  {
    sqlite: eventSeqs('INTEGER'),
    postgres: eventSeqs('BIGINT'),
  },
  // 9: a status's resources in a row of their own, written when they change (hub/storage/host-queries.ts).
  {
    sqlite: HOST_RESOURCES,
    postgres: HOST_RESOURCES,
  },
];
