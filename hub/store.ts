// Typed queries over the hub's database: hosts, hashed tokens, events and branch heads.
// No SQL elsewhere in hub/.

import { createHash, randomBytes } from 'node:crypto';
import type { HostInventory, HostMetrics, HeartbeatSummary, OutboxEntry } from '../agent/contracts/hub-protocol.js';
import type { StatusSnapshot } from '../agent/contracts/status-model.js';
import type { HubDb } from './db.js';

export interface HostRow {
  host: string;
  branch: string;
  version: string;
  inventory: HostInventory | null;
  status: StatusSnapshot | null;
  metrics: HostMetrics | null;
  summary: HeartbeatSummary | null;
  lastSeen: string | null;
  lastSeq: number;
  firstSeen: string;
}

/** Per-host limits on stored events: rows and payload bytes; the oldest go first. */
export interface EventCaps {
  rows: number;
  bytes: number;
}

export interface StoredEvent {
  id: number;
  seq: number;
  at: string;
  received: string;
  type: string;
  event: unknown;
}

interface RawHost {
  host: string; branch: string; version: string; inventory: string | null; status: string | null;
  metrics: string | null; summary: string | null; last_seen: string | null; last_seq: number; first_seen: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh bearer token: 32 random bytes, url-safe, with a prefix that makes leaks greppable. */
export function newToken(): string {
  return `moor_${randomBytes(32).toString('base64url')}`;
}

export class HubStore {
  private readonly db: HubDb;
  private readonly q;

  constructor(deps: { db: HubDb }) {
    this.db = deps.db;
    const db = this.db;
    this.q = {
      addToken: db.prepare<[string, string, string]>('INSERT INTO tokens (hash, host, created) VALUES (?, ?, ?)'),
      revoke: db.prepare<[string]>('DELETE FROM tokens WHERE host = ?'),
      tokenHost: db.prepare<[string], { host: string }>('SELECT host FROM tokens WHERE hash = ?'),
      tokenHostNames: db.prepare<[], { host: string }>('SELECT DISTINCT host FROM tokens'),
      hasToken: db.prepare<[string], { host: string }>('SELECT host FROM tokens WHERE host = ? LIMIT 1'),
      tokenHosts: db.prepare<[], { host: string; n: number; created: string }>(
        'SELECT host, COUNT(*) AS n, MAX(created) AS created FROM tokens GROUP BY host ORDER BY host'),
      hosts: db.prepare<[], RawHost>('SELECT * FROM hosts'),
      ensureHost: db.prepare<[string, string]>('INSERT OR IGNORE INTO hosts (host, first_seen) VALUES (?, ?)'),
      saveHost: db.prepare<[string, string, string | null, string | null, string | null, string | null, string | null, string]>(
        `UPDATE hosts SET branch = ?, version = ?, inventory = ?, status = ?, metrics = ?, summary = ?, last_seen = ?
         WHERE host = ?`),
      insertEvent: db.prepare<[string, number, string, string, string, string, number]>(
        'INSERT INTO events (host, seq, at, received, type, payload, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      setSeq: db.prepare<[number, string]>('UPDATE hosts SET last_seq = ? WHERE host = ?'),
      events: db.prepare<[string, number, number], { id: number; seq: number; at: string; received: string; type: string; payload: string }>(
        'SELECT id, seq, at, received, type, payload FROM events WHERE host = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      prune: db.prepare<[string, string, number]>(
        'DELETE FROM events WHERE host = ? AND id <= (SELECT id FROM events WHERE host = ? ORDER BY id DESC LIMIT 1 OFFSET ?)'),
      pruneBytes: db.prepare<[string, number]>(
        `DELETE FROM events WHERE id IN (SELECT id FROM
           (SELECT id, SUM(bytes) OVER (ORDER BY id DESC) AS running FROM events WHERE host = ?) WHERE running > ?)`),
      setHead: db.prepare<[string, string, string]>(
        'INSERT INTO branch_heads (branch, head, at) VALUES (?, ?, ?) ON CONFLICT(branch) DO UPDATE SET head = excluded.head, at = excluded.at'),
      heads: db.prepare<[], { branch: string; head: string }>('SELECT branch, head FROM branch_heads'),
    };
  }

  addToken(host: string, token: string, now: Date): void {
    this.db.transaction(() => {
      this.q.addToken.run(hashToken(token), host, now.toISOString());
      this.q.ensureHost.run(host, now.toISOString());
    })();
  }

  /** Removes every token of the host; returns how many there were. */
  revokeTokens(host: string): number {
    return this.q.revoke.run(host).changes;
  }

  hostForToken(token: string): string | null {
    return this.q.tokenHost.get(hashToken(token))?.host ?? null;
  }

  tokenHostNames(): string[] {
    return this.q.tokenHostNames.all().map((r) => r.host);
  }

  /** True when the host has at least one token (it may never have connected yet). */
  hostForTokenHost(host: string): boolean {
    return this.q.hasToken.get(host) !== undefined;
  }

  listTokens(): { host: string; tokens: number; created: string }[] {
    return this.q.tokenHosts.all().map((r) => ({ host: r.host, tokens: r.n, created: r.created }));
  }

  loadHosts(): HostRow[] {
    return this.q.hosts.all().map((r) => ({
      host: r.host,
      branch: r.branch,
      version: r.version,
      inventory: parse<HostInventory>(r.inventory),
      status: parse<StatusSnapshot>(r.status),
      metrics: parse<HostMetrics>(r.metrics),
      summary: parse<HeartbeatSummary>(r.summary),
      lastSeen: r.last_seen,
      lastSeq: r.last_seq,
      firstSeen: r.first_seen,
    }));
  }

  /** Writes the changing part of many hosts in one transaction (the hub flushes in batches). */
  saveHosts(rows: readonly HostRow[]): void {
    this.db.transaction(() => {
      for (const r of rows) {
        this.q.ensureHost.run(r.host, r.firstSeen);
        this.q.saveHost.run(r.branch, r.version, str(r.inventory), str(r.status), str(r.metrics), str(r.summary), r.lastSeen, r.host);
      }
    })();
  }

  /**
   * Stores the events above `lastSeq` and moves the host's sequence number, in one transaction;
   * returns the ones that were new (a resent batch after a lost ack is stored once).
   */
  insertEvents(host: string, lastSeq: number, entries: readonly OutboxEntry[], received: Date, caps: EventCaps): OutboxEntry[] {
    return this.db.transaction(() => {
      const fresh: OutboxEntry[] = [];
      let seq = lastSeq;
      for (const e of entries) {
        if (e.seq <= seq) continue;
        const payload = JSON.stringify(e.event);
        this.q.insertEvent.run(host, e.seq, e.at, received.toISOString(), e.event.type, payload, Buffer.byteLength(payload));
        seq = e.seq;
        fresh.push(e);
      }
      if (seq !== lastSeq) this.q.setSeq.run(seq, host);
      // Pruned on every insert, by row id (arrival order), whatever seq numbers the agent chose.
      if (fresh.length > 0) {
        this.q.prune.run(host, host, caps.rows);
        this.q.pruneBytes.run(host, caps.bytes);
      }
      return fresh;
    })();
  }

  /** Newest first; `beforeId` pages further back; stops once `maxBytes` of payload are read. */
  events(host: string, limit: number, beforeId = Number.MAX_SAFE_INTEGER, maxBytes = 2 * 1024 * 1024): StoredEvent[] {
    const out: StoredEvent[] = [];
    let bytes = 0;
    for (const r of this.q.events.iterate(host, beforeId, limit)) {
      bytes += r.payload.length;
      if (bytes > maxBytes && out.length > 0) break;
      out.push({ id: r.id, seq: r.seq, at: r.at, received: r.received, type: r.type, event: JSON.parse(r.payload) as unknown });
    }
    return out;
  }

  setBranchHead(branch: string, head: string, now: Date): void {
    this.q.setHead.run(branch, head, now.toISOString());
  }

  branchHeads(): Map<string, string> {
    return new Map(this.q.heads.all().map((r) => [r.branch, r.head]));
  }
}

function parse<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function str(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
