// The hub's in-memory record of one host and the plain views the API and dashboard show of it.
// Pure functions of the record and the clock.

import type { ResourceStatus } from '../agent/contracts/status-model.js';
import type { HostRow } from './storage/port.js';

export interface HostState extends Omit<HostRow, 'lastSeen'> {
  /** Open agent sockets for this host (normally 0 or 1). */
  sockets: number;
  /** Something besides the heartbeat time and metrics changed: the whole row is written at the next flush. */
  dirty: boolean;
  /** Only the heartbeat time or metrics moved since the last write (written narrowly, and less often). */
  seen: boolean;
  /** The heartbeat time (ms) the storage holds, 0 when none was written by this hub. */
  storedSeenMs: number;
  /**
   * The last time heard from the host, in ms (0 for never). Its text (HostRow's `lastSeen`) is made
   * only when read (lastSeenOf), not for every frame received: heartbeats come far more often than
   * a flush, an alert or a view reads it.
   */
  lastSeenMs: number;
  /** `lastSeenOf`'s text and the `lastSeenMs` it was made of (as the database held it, after a load). */
  lastSeenText: { ms: number; text: string } | null;
  offlineAlerted: boolean;
  /** `since` of the suspension already alerted, so each suspension alerts once. */
  suspendedAlerted: string | null;
  /** Another hub sharing the database holds the agent's link (its record is read from there). */
  linkedElsewhere?: boolean;
  /**
   * The resources this hub stored for the host during the agent's current link (null: none): a
   * status whose resources equal them leaves them as stored. Forgotten when the agent links again:
   * meanwhile another hub may have stored others.
   */
  storedResources: ResourceStatus[] | null;
}

/** A host's record before anything is known of it; `dirty`: written at the next flush. */
export function newHostState(host: string, firstSeen: string, dirty: boolean): HostState {
  return { host, branch: '', version: '', inventory: null, status: null, metrics: null, summary: null, lastSeq: 0,
    firstSeen, sockets: 0, dirty, seen: false, storedSeenMs: 0, lastSeenMs: 0, lastSeenText: null, offlineAlerted: false, suspendedAlerted: null, storedResources: null };
}

/** A stored row's heartbeat time as a record holds it: the ms, and the text as stored. */
export function seenOfRow(lastSeen: string | null): Pick<HostState, 'lastSeenMs' | 'lastSeenText'> {
  const ms = seenMs(lastSeen);
  return { lastSeenMs: ms, lastSeenText: lastSeen === null ? null : { ms, text: lastSeen } };
}

/** The last heartbeat time as ISO text (null: never heard). */
export function lastSeenOf(h: HostState): string | null {
  if (h.lastSeenMs === 0) return null;
  // Object.is: a stored text that is no date (NaN ms) stays the text it was.
  if (!h.lastSeenText || !Object.is(h.lastSeenText.ms, h.lastSeenMs)) h.lastSeenText = { ms: h.lastSeenMs, text: new Date(h.lastSeenMs).toISOString() };
  return h.lastSeenText.text;
}

/** A heartbeat time in ms, 0 for none. */
export function seenMs(lastSeen: string | null): number {
  return lastSeen === null ? 0 : Date.parse(lastSeen);
}

export type HostFilter = 'all' | 'online' | 'offline' | 'failed' | 'drift' | 'suspended' | 'behind';
export const HOST_FILTERS: readonly HostFilter[] = ['all', 'online', 'offline', 'failed', 'drift', 'suspended', 'behind'];

export interface HostSummaryView {
  host: string;
  online: boolean;
  lastSeen: string | null;
  heartbeatAgeSec: number | null;
  branch: string;
  version: string;
  state: string;
  revision: { applied: string | null; head: string | null; upToDate: boolean | null };
  lastSync: { at: string; result: string; commit: string | null } | null;
  drift: number;
  suspended: { until: string; reason: string; since: string; by?: string } | null;
  healthy: number;
  unhealthy: number;
  outbox: number;
  cpuLoad: number | null;
  memUsedPct: number | null;
  /** The host's fleet labels, as its agent last reported them (empty outside a fleet). */
  labels: Record<string, string>;
}

export interface HostDetailView extends HostSummaryView {
  inventory: HostRow['inventory'];
  metrics: HostRow['metrics'];
  status: HostRow['status'];
  firstSeen: string;
}

export function isOnline(h: HostState, now: number, offlineAfterMs: number): boolean {
  return (h.sockets > 0 || h.linkedElsewhere === true) && h.lastSeenMs !== 0 && now - h.lastSeenMs <= offlineAfterMs;
}

export function branchHeadOf(h: HostState, heads: ReadonlyMap<string, string>): string | null {
  return heads.get(h.branch) ?? h.summary?.head ?? h.status?.revision.head ?? null;
}

export function summaryView(h: HostState, now: number, offlineAfterMs: number, heads: ReadonlyMap<string, string>): HostSummaryView {
  const applied = h.summary?.applied ?? h.status?.revision.applied ?? null;
  const head = branchHeadOf(h, heads);
  const last = h.status?.lastSync ?? null;
  const mem = h.metrics;
  return {
    host: h.host,
    online: isOnline(h, now, offlineAfterMs),
    lastSeen: lastSeenOf(h),
    heartbeatAgeSec: h.lastSeenMs === 0 ? null : Math.max(0, Math.round((now - h.lastSeenMs) / 1000)),
    branch: h.branch,
    version: h.version,
    state: h.summary?.state ?? h.status?.state ?? 'unknown',
    revision: { applied, head, upToDate: applied === null || head === null ? null : applied === head },
    lastSync: last ? { at: last.at, result: last.result, commit: last.commit } : null,
    drift: h.status?.drift.length ?? 0,
    suspended: h.status?.suspended ?? null,
    healthy: h.summary?.healthy ?? 0,
    unhealthy: h.summary?.unhealthy ?? 0,
    outbox: h.summary?.outbox ?? 0,
    cpuLoad: mem ? mem.cpuLoad : null,
    memUsedPct: mem && mem.memTotal > 0 ? Math.round((mem.memUsed / mem.memTotal) * 1000) / 10 : null,
    labels: h.summary?.labels ?? h.status?.labels ?? {},
  };
}

export function detailView(h: HostState, now: number, offlineAfterMs: number, heads: ReadonlyMap<string, string>): HostDetailView {
  return { ...summaryView(h, now, offlineAfterMs, heads), inventory: h.inventory, metrics: h.metrics, status: h.status, firstSeen: h.firstSeen };
}

const FAILED_RESULTS: ReadonlySet<string> = new Set(['failed', 'rolled-back', 'interrupted']);

export function matches(v: HostSummaryView, filter: HostFilter, query: string): boolean {
  if (query && !v.host.toLowerCase().includes(query) && !v.branch.toLowerCase().includes(query)) return false;
  switch (filter) {
    case 'all': return true;
    case 'online': return v.online;
    case 'offline': return !v.online;
    case 'failed': return v.state === 'failed' || v.state === 'error' || (v.lastSync !== null && FAILED_RESULTS.has(v.lastSync.result));
    case 'drift': return v.drift > 0;
    case 'suspended': return v.suspended !== null;
    case 'behind': return v.revision.upToDate === false;
  }
}
