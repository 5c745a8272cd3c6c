// Leases and the message channel between hubs that share a database. PostgreSQL: a lease row with
// an expiry, and LISTEN/NOTIFY on one channel over a connection of its own. SQLite: one hub per
// file, so the lease is always this hub's and there is nobody to tell.

import pg from 'pg';
import { parseHubMessage } from '../../agent/contracts/hub-protocol.js';
import { z } from 'zod';
import type { ClusterMessage, ClusterStorage, HostCommandMessage } from './port.js';
import { one, type SqlExec } from './sql.js';

const CHANNEL = 'moor_hub';
const RELISTEN_MS = 1000;

const ACQUIRE = `INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
  WHERE leases.holder = excluded.holder OR leases.expires < ?
  RETURNING holder`;

class LeaseQueries {
  constructor(private readonly x: SqlExec) {}

  async acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    return (await one<{ holder: string }>(this.x, ACQUIRE, [name, holder, now + ttlMs, now]))?.holder === holder;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.x.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
  }
}

export function sqliteCluster(x: SqlExec): ClusterStorage {
  const leases = new LeaseQueries(x);
  return {
    shared: false,
    acquireLease: (name, holder, ttlMs, now) => leases.acquireLease(name, holder, ttlMs, now),
    releaseLease: (name, holder) => leases.releaseLease(name, holder),
    publish: async () => undefined,
    subscribe: async () => undefined,
  };
}

export interface PostgresCluster extends ClusterStorage {
  close(): Promise<void>;
}

export function postgresCluster(x: SqlExec, connect: () => pg.Client): PostgresCluster {
  const leases = new LeaseQueries(x);
  const listeners: ((m: ClusterMessage) => void)[] = [];
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const listen = async (): Promise<void> => {
    const c = connect();
    client = c;
    c.on('notification', (n) => {
      const m = parseMessage(n.payload);
      if (m) for (const l of listeners) l(m);
    });
    // A lost listening connection is opened again; messages sent meanwhile are lost (sync requests only).
    c.on('error', () => {
      void c.end().catch(() => undefined);
      if (client === c) client = null;
      if (!closed) retry = setTimeout(() => void listen().catch(() => undefined), RELISTEN_MS);
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
  };

  return {
    shared: true,
    acquireLease: (name, holder, ttlMs, now) => leases.acquireLease(name, holder, ttlMs, now),
    releaseLease: (name, holder) => leases.releaseLease(name, holder),
    async publish(message) {
      await x.all('SELECT pg_notify(?, ?)', [CHANNEL, JSON.stringify(message)]);
    },
    async subscribe(listener) {
      listeners.push(listener);
      if (!client) await listen();
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

const KINDS: readonly HostCommandMessage['t'][] = ['sync', 'status', 'suspend', 'resume'];

const forwardRequest = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create'), body: z.unknown(), by: z.string() }),
  z.strictObject({ op: z.literal('command'), id: z.number().int(), verb: z.enum(['pause', 'resume', 'abort']), revert: z.boolean(), by: z.string() }),
]);
const forwardMessage = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('rollout-request'), from: z.string(), reqId: z.string(), request: forwardRequest }),
  z.strictObject({ t: z.literal('rollout-reply'), from: z.string(), to: z.string(), reqId: z.string(),
    reply: z.strictObject({ status: z.number().int(), id: z.number().int().nullable(), error: z.record(z.string(), z.unknown()).nullable() }) }),
]);

function parseMessage(payload: string | undefined): ClusterMessage | null {
  try {
    const v: unknown = JSON.parse(payload ?? '');
    if (typeof v !== 'object' || v === null) return null;
    const m = v as Record<string, unknown>;
    if (m['t'] === 'rollout-request' || m['t'] === 'rollout-reply') {
      const parsed = forwardMessage.safeParse(v);
      return parsed.success ? parsed.data : null;
    }
    const t = KINDS.find((k) => k === m['t']);
    if (!t || typeof m['host'] !== 'string' || typeof m['reason'] !== 'string' || typeof m['from'] !== 'string') return null;
    if (t === 'sync' || t === 'status') return { t, host: m['host'], reason: m['reason'], from: m['from'] };
    // Suspend and resume carry the agent's frame: checked as the agent checks it.
    const parsed = parseHubMessage(JSON.stringify(m['frame'] ?? null));
    if (!parsed.ok || (parsed.message.t !== 'suspend' && parsed.message.t !== 'resume') || parsed.message.t !== t) return null;
    return { t, host: m['host'], reason: m['reason'], frame: parsed.message, from: m['from'] };
  } catch {
    return null;
  }
}
