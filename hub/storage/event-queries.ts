// A frame's events into the hub's database, inside the caller's transaction: the entries above the
// host's stored seq, then the oldest pruned to the caps. Each host's seq and counts are in
// event_seqs, a narrow row apart from its status. SQL both SQLite and PostgreSQL accept.

import type { OutboxEntry } from '../../agent/contracts/hub-protocol.js';
import type { EventBatchItem, EventCaps, InsertedEvents, StorageKind } from './port.js';
import { one, type SqlExec } from './sql.js';

/**
 * How an event batch reads a host's stored seq (event_seqs, a narrow row apart from the host's
 * status). PostgreSQL: an upsert that changes nothing, to lock the host's seq row, created if need
 * be, while reading it (several hubs write). SQLite: a plain read, the transaction already holds
 * the only write lock.
 */
export const READ_SEQ: Record<StorageKind, string> = {
  postgres: `INSERT INTO event_seqs (host, last_seq) VALUES (?, 0) ON CONFLICT (host) DO UPDATE SET last_seq = event_seqs.last_seq
    RETURNING last_seq, kept_rows, kept_bytes`,
  sqlite: 'SELECT last_seq, kept_rows, kept_bytes FROM event_seqs WHERE host = ?',
};
const WRITE_SEQ = `INSERT INTO event_seqs (host, last_seq, kept_rows, kept_bytes) VALUES (?, ?, ?, ?)
  ON CONFLICT (host) DO UPDATE SET last_seq = excluded.last_seq, kept_rows = excluded.kept_rows, kept_bytes = excluded.kept_bytes`;
/** Oldest events read per round when pruning: usually the one or two a frame pushed over the caps. */
const PRUNE_PAGE = 100;

/** Its count of rows changed is 0 for an event already stored (the unique host and seq). */
const INSERT_EVENT = 'INSERT INTO events (host, seq, at, received, type, payload, bytes) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';

/** How many events of a host are stored, and their payload bytes (event_seqs keeps both with its last seq). */
interface Kept {
  rows: number;
  bytes: number;
}

/** One frame's events inside a transaction: the entries above the stored seq, then pruning to the caps. */
export async function insertIn(t: SqlExec, readSeq: string, item: EventBatchItem, caps: EventCaps): Promise<InsertedEvents> {
  const { host } = item;
  const stored = await one<{ last_seq: number | string; kept_rows: number | string; kept_bytes: number | string }>(t, readSeq, [host]);
  // PostgreSQL hands BIGINTs over as strings.
  const from = Math.max(item.lastSeq, Number(stored?.last_seq ?? 0));
  let kept: Kept = { rows: Number(stored?.kept_rows ?? 0), bytes: Number(stored?.kept_bytes ?? 0) };
  const received = item.received.toISOString();
  const fresh: OutboxEntry[] = [];
  let seq = from;
  for (const e of item.entries) {
    if (e.seq <= seq) continue;
    const payload = JSON.stringify(e.event);
    const bytes = Buffer.byteLength(payload);
    const inserted = await t.run(INSERT_EVENT, [host, e.seq, e.at, received, e.event.type, payload, bytes]);
    seq = e.seq;
    if (inserted > 0) {
      fresh.push(e);
      kept = { rows: kept.rows + 1, bytes: kept.bytes + bytes };
    }
  }
  if (fresh.length > 0) kept = await pruneOldest(t, host, kept, caps);
  if (seq !== from) await t.run(WRITE_SEQ, [host, seq, kept.rows, kept.bytes]);
  return { fresh, lastSeq: seq };
}

/**
 * Deletes the host's oldest events (by row id, arrival order, whatever seq numbers the agent chose)
 * until both caps hold: the newest are kept. Only over the caps, and only the rows over them: not a
 * scan of the host's whole history at every frame.
 */
async function pruneOldest(t: SqlExec, host: string, kept: Kept, caps: EventCaps): Promise<Kept> {
  let { rows, bytes } = kept;
  while (rows > caps.rows || bytes > caps.bytes) {
    const oldest = await t.all<{ id: number | string; bytes: number | string }>('SELECT id, bytes FROM events WHERE host = ? ORDER BY id LIMIT ?', [host, PRUNE_PAGE]);
    if (oldest.length === 0) return { rows: 0, bytes: 0 };
    let last: number | string | null = null;
    for (const r of oldest) {
      if (rows <= caps.rows && bytes <= caps.bytes) break;
      rows--;
      bytes -= Number(r.bytes);
      last = r.id;
    }
    if (last !== null) await t.run('DELETE FROM events WHERE host = ? AND id <= ?', [host, last]);
  }
  return { rows, bytes };
}
