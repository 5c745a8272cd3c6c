// Typed queries for hosts, agent tokens (stored as SHA-256), events (inserted by event-queries.ts)
// and branch heads, in SQL that SQLite and PostgreSQL both accept. Rows are typed here once. A
// host's status is stored in two parts: its resources (most of its size, and rarely changed) in
// host_resources, the rest in hosts.

import { createHash, randomBytes } from 'node:crypto';
import type { HostInventory, HostMetrics, HeartbeatSummary, OutboxEntry } from '../../agent/contracts/hub-protocol.js';
import type { ResourceStatus, StatusSnapshot } from '../../agent/contracts/status-model.js';
import type { EventBatchItem, EventCaps, HostRow, HostStorage, HostWrite, InsertedEvents, SeenRow, StorageKind, StoredEvent, TokenLink } from './port.js';
import { insertIn, READ_SEQ } from './event-queries.js';
import { byRowCount, chunksOf, compareNames, inNameOrder, jsonOnce, one, type SqlExec, type SqlValue } from './sql.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh bearer token: 32 random bytes, url-safe, with a prefix that makes leaks greppable. */
export function newToken(): string {
  return `moor_${randomBytes(32).toString('base64url')}`;
}

interface RawHost {
  host: string; branch: string; version: string; inventory: string | null; status: string | null;
  metrics: string | null; summary: string | null; last_seen: string | null; last_seq: number; first_seen: string;
  /** host_resources' text, null when the host has no row there. */
  resources: string | null;
}

/**
 * A status as the hosts row holds it: resources null, they are in host_resources (in place, so the
 * status reads back with its keys in the order they had). A row written before migration 9 holds
 * its resources here.
 */
type StoredStatus = Omit<StatusSnapshot, 'resources'> & { resources: ResourceStatus[] | null };

const ENSURE_HOST = 'INSERT INTO hosts (host, first_seen) VALUES (?, ?) ON CONFLICT DO NOTHING';
const HOST_COLUMNS = 9;
/** Rows per upsert statement when hosts are flushed. */
const UPSERT_CHUNK = 100;
/** Token hashes per connect-check query (SQLite's default limit is 32,766 parameters). */
const LINK_CHUNK = 500;

const upsertHosts = byRowCount((rows) => {
  const values = Array.from({ length: rows }, () => `(${new Array<string>(HOST_COLUMNS).fill('?').join(', ')})`).join(', ');
  return `INSERT INTO hosts (host, first_seen, branch, version, inventory, status, metrics, summary, last_seen) VALUES ${values}
    ON CONFLICT (host) DO UPDATE SET branch = excluded.branch, version = excluded.version, inventory = excluded.inventory,
      status = excluded.status, metrics = excluded.metrics, summary = excluded.summary, last_seen = excluded.last_seen`;
});

const upsertResources = byRowCount((rows) => {
  const values = Array.from({ length: rows }, () => '(?, ?)').join(', ');
  return `INSERT INTO host_resources (host, resources) VALUES ${values} ON CONFLICT (host) DO UPDATE SET resources = excluded.resources`;
});

const upsertSeen = byRowCount((rows) => {
  const values = Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ');
  return `INSERT INTO hosts (host, first_seen, metrics, last_seen) VALUES ${values}
    ON CONFLICT (host) DO UPDATE SET metrics = excluded.metrics, last_seen = excluded.last_seen`;
});

/** A host's row with its stored event seq. */
const SELECT_HOSTS = `SELECT h.*, COALESCE(s.last_seq, 0) AS last_seq, r.resources FROM hosts h
  LEFT JOIN event_seqs s ON s.host = h.host LEFT JOIN host_resources r ON r.host = h.host`;

export class SqlHostStorage implements HostStorage {
  private readonly readSeq: string;

  constructor(private readonly x: SqlExec, kind: StorageKind) {
    this.readSeq = READ_SEQ[kind];
  }

  async addToken(host: string, token: string, now: Date): Promise<void> {
    await this.x.tx(async (t) => {
      await t.run('INSERT INTO tokens (hash, host, created) VALUES (?, ?, ?)', [hashToken(token), host, now.toISOString()]);
      await t.run(ENSURE_HOST, [host, now.toISOString()]);
    });
  }

  revokeTokens(host: string): Promise<number> {
    return this.x.run('DELETE FROM tokens WHERE host = ?', [host]);
  }

  async hostForToken(token: string): Promise<string | null> {
    return (await one<{ host: string }>(this.x, 'SELECT host FROM tokens WHERE hash = ?', [hashToken(token)]))?.host ?? null;
  }

  async hostsForTokens(tokens: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (tokens.length === 0) return out;
    const byHash = new Map((await this.x.all<{ hash: string; host: string }>('SELECT hash, host FROM tokens')).map((r) => [r.hash, r.host]));
    for (const token of tokens) {
      const host = byHash.get(hashToken(token));
      if (host !== undefined) out.set(token, host);
    }
    return out;
  }

  async linksForTokens(tokens: readonly string[]): Promise<Map<string, TokenLink>> {
    const out = new Map<string, TokenLink>();
    const byHash = new Map(tokens.map((t) => [hashToken(t), t]));
    const hashes = [...byHash.keys()];
    for (const chunk of chunksOf(hashes, LINK_CHUNK)) {
      const rows = await this.x.all<{ hash: string; host: string; lastSeq: number }>(
        `SELECT t.hash, t.host, COALESCE(s.last_seq, 0) AS "lastSeq" FROM tokens t LEFT JOIN event_seqs s ON s.host = t.host
         WHERE t.hash IN (${chunk.map(() => '?').join(', ')})`, chunk);
      for (const r of rows) {
        const token = byHash.get(r.hash);
        if (token !== undefined) out.set(token, { host: r.host, lastSeq: r.lastSeq });
      }
    }
    return out;
  }

  async tokenHostNames(): Promise<string[]> {
    return (await this.x.all<{ host: string }>('SELECT DISTINCT host FROM tokens')).map((r) => r.host);
  }

  async tokenStamp(): Promise<string> {
    const row = await one<{ n: number; last: string | null }>(this.x, 'SELECT COUNT(*) AS n, MAX(created) AS last FROM tokens');
    return `${Number(row?.n ?? 0)}/${row?.last ?? ''}`;
  }

  async hasToken(host: string): Promise<boolean> {
    return (await one(this.x, 'SELECT host FROM tokens WHERE host = ? LIMIT 1', [host])) !== undefined;
  }

  async listTokens(): Promise<{ host: string; tokens: number; created: string }[]> {
    const rows = await this.x.all<{ host: string; n: number; created: string }>(
      'SELECT host, COUNT(*) AS n, MAX(created) AS created FROM tokens GROUP BY host ORDER BY host');
    return rows.map((r) => ({ host: r.host, tokens: r.n, created: r.created }));
  }

  async loadHosts(): Promise<HostRow[]> {
    return (await this.x.all<RawHost>(SELECT_HOSTS)).map(hostOf);
  }

  async loadHost(host: string): Promise<HostRow | null> {
    const row = await one<RawHost>(this.x, `${SELECT_HOSTS} WHERE h.host = ?`, [host]);
    return row ? hostOf(row) : null;
  }

  /**
   * In one transaction, hosts rows first, then host_resources rows, each table locked in name order
   * (PostgreSQL): two hubs' flushes cannot deadlock. (A flush and an event batch, which at 20,000
   * agents did, no longer share locks: the event intake locks event_seqs rows, never these.)
   */
  async saveHosts(rows: readonly HostWrite[]): Promise<void> {
    if (rows.length === 0) return;
    const sorted = inNameOrder(rows);
    const resources: { host: string; resources: ResourceStatus[] }[] = [];
    for (const r of sorted) if (r.status !== null && r.resourcesStored !== true) resources.push({ host: r.host, resources: r.status.resources });
    await this.x.tx(async (t) => {
      await upsertChunks(t, sorted, upsertHosts, (r) => [r.host, r.firstSeen, r.branch, r.version, r.inventory === null ? null : jsonOnce(r.inventory), statusText(r.status), str(r.metrics), str(r.summary), r.lastSeen]);
      await upsertChunks(t, resources, upsertResources, (r) => [r.host, str(r.resources)]);
    });
  }

  async saveSeen(rows: readonly SeenRow[]): Promise<void> {
    if (rows.length === 0) return;
    const sorted = inNameOrder(rows);
    await this.x.tx((t) => upsertChunks(t, sorted, upsertSeen, (r) => [r.host, r.firstSeen, str(r.metrics), r.lastSeen]));
  }

  insertEvents(host: string, lastSeq: number, entries: readonly OutboxEntry[], received: Date, caps: EventCaps): Promise<InsertedEvents> {
    return this.x.tx((t) => insertIn(t, this.readSeq, { host, lastSeq, entries, received }, caps));
  }

  insertEventBatch(items: readonly EventBatchItem[], caps: EventCaps): Promise<InsertedEvents[]> {
    if (items.length === 0) return Promise.resolve([]);
    return this.x.tx(async (t) => {
      // Seq rows are locked in name order (PostgreSQL): two hubs' batches cannot deadlock.
      const order = items.map((_, i) => i).sort((a, b) => compareNames(items[a]?.host ?? '', items[b]?.host ?? '') || a - b);
      const out = new Array<InsertedEvents>(items.length);
      for (const i of order) {
        const item = items[i];
        if (item) out[i] = await insertIn(t, this.readSeq, item, caps);
      }
      return out;
    });
  }

  async events(host: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER, maxBytes = 2 * 1024 * 1024): Promise<StoredEvent[]> {
    const rows = await this.x.all<{ id: number; seq: number; at: string; received: string; type: string; payload: string }>(
      'SELECT id, seq, at, received, type, payload FROM events WHERE host = ? AND id < ? ORDER BY id DESC LIMIT ?', [host, beforeId, limit]);
    const out: StoredEvent[] = [];
    let bytes = 0;
    for (const r of rows) {
      bytes += r.payload.length;
      if (bytes > maxBytes && out.length > 0) break;
      out.push({ id: r.id, seq: r.seq, at: r.at, received: r.received, type: r.type, event: JSON.parse(r.payload) as unknown });
    }
    return out;
  }

  async loadHostsSeenSince(since: string): Promise<HostRow[]> {
    return (await this.x.all<RawHost>(`${SELECT_HOSTS} WHERE h.last_seen > ?`, [since])).map(hostOf);
  }

  hostsSeenSince(since: string): Promise<{ host: string; lastSeen: string }[]> {
    return this.x.all<{ host: string; lastSeen: string }>('SELECT host, last_seen AS "lastSeen" FROM hosts WHERE last_seen > ?', [since]);
  }

  async loadHostsNamed(hosts: readonly string[]): Promise<HostRow[]> {
    const out: HostRow[] = [];
    for (const chunk of chunksOf(hosts, UPSERT_CHUNK * 5)) {
      const rows = await this.x.all<RawHost>(`${SELECT_HOSTS} WHERE h.host IN (${chunk.map(() => '?').join(', ')})`, [...chunk]);
      for (const r of rows) out.push(hostOf(r));
    }
    return out;
  }

  async setBranchHead(branch: string, head: string, now: Date): Promise<void> {
    await this.x.run('INSERT INTO branch_heads (branch, head, at) VALUES (?, ?, ?) ON CONFLICT (branch) DO UPDATE SET head = excluded.head, at = excluded.at',
      [branch, head, now.toISOString()]);
  }

  async branchHeads(): Promise<Map<string, string>> {
    return new Map((await this.x.all<{ branch: string; head: string }>('SELECT branch, head FROM branch_heads')).map((r) => [r.branch, r.head]));
  }
}


/** Rows upserted UPSERT_CHUNK at a time, in the order given. */
async function upsertChunks<R>(t: SqlExec, rows: readonly R[], sql: (n: number) => string, params: (r: R) => SqlValue[]): Promise<void> {
  for (const chunk of chunksOf(rows, UPSERT_CHUNK)) await t.run(sql(chunk.length), chunk.flatMap(params));
}

function hostOf(r: RawHost): HostRow {
  return {
    host: r.host,
    branch: r.branch,
    version: r.version,
    inventory: parse<HostInventory>(r.inventory),
    status: statusOf(r.status, r.resources),
    metrics: parse<HostMetrics>(r.metrics),
    summary: parse<HeartbeatSummary>(r.summary),
    lastSeen: r.last_seen,
    lastSeq: r.last_seq,
    firstSeen: r.first_seen,
  };
}

function parse<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function statusOf(status: string | null, resources: string | null): StatusSnapshot | null {
  const s = parse<StoredStatus>(status);
  if (s === null) return null;
  // Both parts are written in one transaction: a status whose resources are apart has its host_resources row.
  return { ...s, resources: s.resources ?? parse<ResourceStatus[]>(resources) ?? [] };
}

/**
 * The hosts row's part of a status: the status with its resources null (they are stored apart).
 * Serialised at each write of its host's row, not kept: a status is written once or twice, and its
 * text kept beside it for every host was old-generation memory that every rollout renewed and every
 * full collection marked again (2.5-2.7 MB of live heap with the rollout simulation's 5,000 small
 * statuses; a real status, with its errors and drift, is longer).
 */
function statusText(status: StatusSnapshot | null): string | null {
  return status === null ? null : JSON.stringify({ ...status, resources: null });
}

function str(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
