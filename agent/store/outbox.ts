// The outbox of events bound for the hub: written synchronously before anything is sent,
// read in sequence order, deleted only once the hub acknowledges it, bounded in size.

import type { AgentEvent } from '../contracts/events.js';
import type { OutboxEntry } from '../contracts/hub-protocol.js';
import type { Db } from './db.js';

interface Row {
  seq: number;
  at: string;
  type: string;
  payload: string;
}

export interface OutboxOptions {
  /** Most events kept; beyond it the oldest are dropped and replaced by one `events.dropped`. */
  limit: number;
}

export class Outbox {
  private readonly db: Db;
  private readonly now: () => Date;
  private readonly limit: number;
  private readonly insert;
  private readonly countRows;
  private readonly readAfter;
  private readonly deleteUpTo;
  private readonly oldest;
  private readonly toMarker;
  private count: number;

  constructor(deps: { db: Db; now: () => Date }, options: OutboxOptions) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 10) throw new RangeError('outbox limit must be at least 10');
    this.db = deps.db;
    this.now = deps.now;
    this.limit = options.limit;
    this.insert = this.db.prepare<[string, string, string]>('INSERT INTO outbox (at, type, payload) VALUES (?, ?, ?)');
    this.countRows = this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox');
    this.readAfter = this.db.prepare<[number, number], Row>(
      'SELECT seq, at, type, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.deleteUpTo = this.db.prepare<[number]>('DELETE FROM outbox WHERE seq <= ?');
    this.oldest = this.db.prepare<[number], Row>('SELECT seq, at, type, payload FROM outbox ORDER BY seq LIMIT ?');
    this.toMarker = this.db.prepare<[string, string, number]>('UPDATE outbox SET type = ?, payload = ? WHERE seq = ?');
    this.count = this.countRows.get()?.n ?? 0;
  }

  /** Stores the event and returns its sequence number; may drop the oldest events first. */
  append(event: AgentEvent): number {
    return this.db.transaction(() => {
      if (this.count >= this.limit) this.dropOldest();
      return this.write(event);
    })();
  }

  /** Events with a sequence number above `afterSeq`, oldest first. */
  read(afterSeq: number, max: number): OutboxEntry[] {
    return this.readAfter.all(afterSeq, max).map(toEntry);
  }

  /** The hub holds every event up to `seq`: forget them. */
  ack(seq: number): void {
    const deleted = this.deleteUpTo.run(seq).changes;
    this.count = Math.max(0, this.count - deleted);
  }

  size(): number {
    return this.count;
  }

  private write(event: AgentEvent): number {
    const result = this.insert.run(this.now().toISOString(), event.type, JSON.stringify(event));
    this.count++;
    return Number(result.lastInsertRowid);
  }

  // Drops a tenth of the limit at once so that a long outage does not rewrite the table per event.
  // The newest dropped row becomes the `events.dropped` marker, so the gap shows where it was, and
  // the next overflow folds that marker into its own: one marker, an exact count.
  private dropOldest(): void {
    const batch = Math.max(2, Math.ceil(this.limit / 10));
    const victims = this.oldest.all(batch);
    const last = victims[victims.length - 1];
    if (!last) return;
    let dropped = 0;
    for (const row of victims) dropped += row.type === 'events.dropped' ? droppedCount(row.payload) : 1;
    this.ack(last.seq - 1);
    const marker: AgentEvent = { type: 'events.dropped', count: dropped };
    this.toMarker.run(marker.type, JSON.stringify(marker), last.seq);
  }
}

function toEntry(row: Row): OutboxEntry {
  return { seq: row.seq, at: row.at, event: JSON.parse(row.payload) as AgentEvent };
}

function droppedCount(payload: string): number {
  const value: unknown = JSON.parse(payload);
  if (typeof value === 'object' && value !== null && 'count' in value && typeof value.count === 'number') return value.count;
  return 1;
}
