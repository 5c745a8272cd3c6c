// The hub's view of the fleet: a record per host in memory, fed by agent messages, flushed in
// batches (a whole row only when it changed; a heartbeat's time narrowly, less often); alerts.

import type pino from 'pino';
import type { AgentMessage, HeartbeatSummary, HostMetrics, OutboxEntry } from '../agent/contracts/hub-protocol.js';
import { summaryOfStatus } from '../agent/contracts/heartbeat-summary.js';
import type { StatusSnapshot } from '../agent/contracts/status-model.js';
import type { AlertSink } from './alerts.js';
import { countEvent, newCounters } from './fleet-counters.js';
import { eventAlert, offlineAlert, onlineAlert, suspendedAlert, type AlertDraft } from './fleet-alerts.js';
import { detailView, isOnline, lastSeenOf, matches, newHostState, seenMs, seenOfRow, summaryView, type HostDetailView, type HostFilter, type HostState, type HostSummaryView } from './host-view.js';
import { EventIntake } from './event-intake.js';
import { sameSummary } from './heartbeat-summary.js';
import { sameResources } from './status-resources.js';
import type { HostRow, HostStorage, HostWrite } from './storage/port.js';
import { matches as selects, type Selector } from '../fleet/selector.js';

export interface FleetOptions {
  offlineAfterMs: number;
  suspendedAfterMs: number;
  eventsPerHost: number;
  eventBytesPerHost: number;
  /**
   * A host whose heartbeats moved only its time and metrics is written at most this often (default
   * a third of offlineAfterMs, so that hubs sharing the database still see it online).
   */
  seenWriteMs?: number;
}

/** Sees every status and every newly stored event of every host (the rollout engine listens). */
export type ReportListener = (host: string, report: { status: StatusSnapshot } | { events: OutboxEntry[] }) => void;

export class Fleet {
  private readonly listeners: ReportListener[] = [];
  private readonly heartbeatListeners: ((host: string, metrics: HostMetrics | null, at: Date) => void)[] = [];
  readonly counters = newCounters();
  private readonly hosts = new Map<string, HostState>();
  private readonly heads = new Map<string, string>();
  private sorted: string[] | null = null;
  /** The tokens' stamp when their host names were last read (null: never). */
  private tokenStamp: string | null = null;
  private readonly log: pino.Logger;
  private readonly intake: EventIntake;

  constructor(
    private readonly deps: { store: HostStorage; logger: pino.Logger; now: () => Date; alerts: AlertSink },
    private readonly options: FleetOptions,
  ) {
    this.log = deps.logger.child({ component: 'fleet' });
    this.intake = new EventIntake((items, caps) => deps.store.insertEventBatch(items, caps), { rows: options.eventsPerHost, bytes: options.eventBytesPerHost });
  }

  /** Reads the stored hosts and branch heads; once, before agents connect. */
  async load(): Promise<void> {
    for (const [branch, head] of await this.deps.store.branchHeads()) this.heads.set(branch, head);
    for (const { lastSeen, ...row } of await this.deps.store.loadHosts()) {
      // A hub that restarts has not heard from anyone yet: do not alert "offline" for hosts that were already.
      this.hosts.set(row.host, { ...row, ...seenOfRow(lastSeen), sockets: 0, dirty: false, seen: false, storedSeenMs: seenMs(lastSeen), offlineAlerted: lastSeen === null, suspendedAlerted: null, storedResources: null });
    }
    this.sorted = null;
  }

  /**
   * An agent authenticated as `host` opened a socket; returns the last event seq stored, which
   * another hub sharing the database may have moved since this one last heard of the host.
   * `storedSeq`: that seq when the caller read it already (with the token), else it is read here.
   */
  async connected(host: string, storedSeq?: number): Promise<number> {
    const h = this.record(host);
    h.sockets++;
    h.storedResources = null;
    const stored = storedSeq ?? (await this.deps.store.loadHost(host))?.lastSeq ?? 0;
    h.lastSeq = Math.max(h.lastSeq, stored);
    return h.lastSeq;
  }

  disconnected(host: string): void {
    const h = this.hosts.get(host);
    if (h) h.sockets = Math.max(0, h.sockets - 1);
  }

  /**
   * Applies one agent frame, already checked by frames.ts, at once. Returns the seq to acknowledge
   * for an events frame, as a promise settled once its events are committed; null for any other.
   * Throws a TypeError when a hello names another host. A status that is the very object already
   * held (frames.ts hands back the one it parsed for the same text) and a heartbeat summary equal to
   * the last leave the row as it was: only the heartbeat time moves.
   */
  take(host: string, m: AgentMessage): number | null | Promise<number> {
    const h = this.record(host);
    const now = this.deps.now();
    this.counters.messages++;
    h.lastSeenMs = now.getTime();
    h.seen = true;
    if (h.offlineAlerted && h.sockets > 0) {
      h.offlineAlerted = false;
      if (h.firstSeen !== lastSeenOf(h)) this.alert(onlineAlert(host));
    }
    switch (m.t) {
      case 'hello':
        if (m.host !== host) throw new TypeError(`hello names ${m.host} but the token belongs to ${host}`);
        h.branch = m.branch;
        h.version = m.version;
        if (m.inventory) h.inventory = m.inventory;
        h.dirty = true;
        return null;
      case 'status':
        this.takeStatus(h, m.status, now);
        return null;
      case 'heartbeat':
        for (const l of this.heartbeatListeners) l(host, m.metrics, now);
        h.metrics = m.metrics;
        // A lean beat (an agent told so in the welcome) leaves out a summary that did not change.
        if (m.summary && !sameSummary(h.summary, m.summary)) {
          h.summary = m.summary;
          h.dirty = true;
        }
        if (m.inventory) {
          h.inventory = m.inventory;
          h.dirty = true;
        }
        return null;
      case 'events':
        // A status riding on the frame is taken at once: it waits neither for its events' commit
        // nor for the batch they join (a rollout's wave is judged on it).
        if (m.status) this.takeStatus(h, m.status, now);
        return this.receiveEvents(h, m.events, now);
      case 'refused':
        this.log.warn({ host, command: m.command }, 'agent refused a command');
        return null;
    }
  }

  private takeStatus(h: HostState, status: StatusSnapshot, now: Date): void {
    if (status !== h.status) {
      h.status = status;
      h.branch = status.branch || h.branch;
      h.summary = implied(h.summary, status);
      h.dirty = true;
    }
    this.checkSuspension(h, status, now);
    for (const l of this.listeners) l(h.host, { status });
  }

  private async receiveEvents(h: HostState, events: OutboxEntry[], now: Date): Promise<number> {
    // Committed (with the other frames of this moment, in one transaction) before the ack goes out:
    // an acknowledged event survives this hub.
    const { fresh, lastSeq } = await this.intake.insert({ host: h.host, lastSeq: h.lastSeq, entries: events, received: now });
    const last = events[events.length - 1];
    h.lastSeq = Math.max(h.lastSeq, lastSeq);
    if (fresh.length > 0) for (const l of this.listeners) l(h.host, { events: fresh });
    for (const e of fresh) {
      countEvent(this.counters, e.event.type);
      const alert = eventAlert(h.host, e.event);
      if (alert) this.alert(alert);
    }
    return Math.max(h.lastSeq, last?.seq ?? 0);
  }

  /** Periodic: picks up hosts given a token since the start, then offline and long-suspension alerts. */
  async check(options: { alerts: boolean } = { alerts: true }): Promise<void> {
    // The names are read only when the tokens changed: every 5 s for 5,000 hosts is a cost per host.
    const stamp = await this.deps.store.tokenStamp();
    if (stamp !== this.tokenStamp) {
      for (const host of await this.deps.store.tokenHostNames()) if (!this.hosts.has(host)) this.record(host, 'listed');
      this.tokenStamp = stamp;
    }
    // Several hubs on one database: only the one holding the lease raises fleet-wide alerts.
    if (!options.alerts) return;
    const now = this.deps.now();
    const ms = now.getTime();
    for (const h of this.hosts.values()) {
      const lastSeen = h.offlineAlerted || isOnline(h, ms, this.options.offlineAfterMs) ? null : lastSeenOf(h);
      if (lastSeen !== null) {
        h.offlineAlerted = true;
        this.alert(offlineAlert(h.host, lastSeen));
      }
      if (h.status) this.checkSuspension(h, h.status, now);
    }
  }

  private checkSuspension(h: HostState, status: StatusSnapshot, now: Date): void {
    const s = status.suspended;
    if (!s || h.suspendedAlerted === s.since) return;
    if (now.getTime() - Date.parse(s.since) < this.options.suspendedAfterMs) return;
    h.suspendedAlerted = s.since;
    this.alert(suspendedAlert(h.host, s));
  }

  /** A push moved `branch` to `head`: records it and returns the hosts that follow that branch. */
  async branchMoved(branch: string, head: string | null): Promise<string[]> {
    if (head) {
      this.heads.set(branch, head);
      await this.deps.store.setBranchHead(branch, head, this.deps.now());
    }
    const hosts: string[] = [];
    for (const h of this.hosts.values()) if (h.branch === branch) hosts.push(h.host);
    return hosts;
  }

  /** Hosts by state filter, text query and (optionally) a label selector; counts are over the selected hosts. */
  list(filter: HostFilter, query: string, selector: Selector | null = null): { views: HostSummaryView[]; counts: Record<HostFilter, number> } {
    const now = this.deps.now().getTime();
    if (!this.sorted) this.sorted = [...this.hosts.keys()].sort();
    const counts: Record<HostFilter, number> = { all: 0, online: 0, offline: 0, failed: 0, drift: 0, suspended: 0, behind: 0 };
    const views: HostSummaryView[] = [];
    const q = query.toLowerCase();
    for (const name of this.sorted) {
      const h = this.hosts.get(name);
      if (!h) continue;
      const v = summaryView(h, now, this.options.offlineAfterMs, this.heads);
      if (selector !== null && !selects(selector, v.labels)) continue;
      for (const f of Object.keys(counts) as HostFilter[]) if (matches(v, f, '')) counts[f]++;
      if (matches(v, filter, q)) views.push(v);
    }
    return { views, counts };
  }

  async get(host: string): Promise<HostDetailView | null> {
    const h = this.hosts.get(host) ?? ((await this.deps.store.hasToken(host)) ? this.record(host, 'listed') : undefined);
    return h ? detailView(h, this.deps.now().getTime(), this.options.offlineAfterMs, this.heads) : null;
  }

  onReport(listener: ReportListener): void {
    this.listeners.push(listener);
  }

  /** Sees every heartbeat's metrics (the host page's charts keep them). */
  onHeartbeat(listener: (host: string, metrics: HostMetrics | null, at: Date) => void): void {
    this.heartbeatListeners.push(listener);
  }

  /** Whether a host is online and its last status, without building a view (null: unknown host). */
  linkOf(host: string): { online: boolean; status: StatusSnapshot | null } | null {
    const h = this.hosts.get(host);
    return h ? { online: isOnline(h, this.deps.now().getTime(), this.options.offlineAfterMs), status: h.status } : null;
  }

  /** Heartbeat ages of every host, for /metrics. */
  *states(): Iterable<{ host: string; online: boolean; ageSec: number | null }> {
    const now = this.deps.now().getTime();
    for (const h of this.hosts.values()) {
      yield { host: h.host, online: isOnline(h, now, this.options.offlineAfterMs), ageSec: h.lastSeenMs === 0 ? null : (now - h.lastSeenMs) / 1000 };
    }
  }

  /**
   * Writes what changed: whole rows of the hosts marked dirty, and the heartbeat time and metrics of
   * the hosts whose stored time is seenWriteMs old (of every host with news, when `all`: at stop).
   */
  async flush(options: { all?: boolean } = {}): Promise<number> {
    const every = this.options.seenWriteMs ?? this.options.offlineAfterMs / 3;
    const dirty: HostState[] = [];
    const seen: HostState[] = [];
    for (const h of this.hosts.values()) {
      if (h.dirty) dirty.push(h);
      else if (h.seen && (options.all === true || h.lastSeenMs - h.storedSeenMs >= every)) seen.push(h);
    }
    if (dirty.length === 0 && seen.length === 0) return 0;
    // Copies: the records move on while the write is under way, and are marked again then.
    const rows = dirty.map(rowOf);
    const before = dirty.map((h) => h.storedResources);
    const times = seen.map((h) => ({ host: h.host, firstSeen: h.firstSeen, metrics: h.metrics, lastSeen: lastSeenOf(h) }));
    const written = [...dirty, ...seen];
    const stored = written.map((h) => h.lastSeenMs);
    for (const h of written) (h.dirty = false), (h.seen = false);
    try {
      await this.deps.store.saveHosts(rows);
      await this.deps.store.saveSeen(times);
    } catch (err) {
      for (const h of dirty) h.dirty = true;
      for (const h of seen) h.seen = true;
      throw err;
    }
    written.forEach((h, i) => (h.storedSeenMs = Math.max(h.storedSeenMs, stored[i] ?? 0)));
    // Unless the agent linked again meanwhile (connected() forgot them).
    dirty.forEach((h, i) => {
      const resources = rows[i]?.status?.resources;
      if (resources !== undefined && h.storedResources === before[i]) h.storedResources = resources;
    });
    return written.length;
  }

  /** Whether another hub's record of `host` (written at `lastSeen`) has news for this hub: not while the host is linked here, nor when already taken in. */
  hasNews(host: string, lastSeen: string): boolean {
    const h = this.hosts.get(host);
    return !h || (h.sockets === 0 && lastSeenOf(h) !== lastSeen);
  }

  /**
   * Takes in the records other hubs sharing the database wrote (their agents' links); a host linked
   * here is this hub's to know. A changed status reaches the listeners as if the agent had sent it.
   */
  absorb(rows: readonly HostRow[]): void {
    for (const { lastSeen, ...row } of rows) {
      const h = this.hosts.get(row.host);
      if (h && h.sockets > 0) continue;
      const before = h?.status ? JSON.stringify(h.status) : null;
      const next: HostState = { ...row, ...seenOfRow(lastSeen), sockets: 0, dirty: false, seen: false, storedSeenMs: seenMs(lastSeen), offlineAlerted: h?.offlineAlerted ?? false, suspendedAlerted: h?.suspendedAlerted ?? null, linkedElsewhere: true, storedResources: null };
      next.lastSeq = Math.max(row.lastSeq, h?.lastSeq ?? 0);
      this.hosts.set(row.host, next);
      if (!h) this.sorted = null;
      if (row.status && JSON.stringify(row.status) !== before) for (const l of this.listeners) l(row.host, { status: row.status });
    }
  }

  /**
   * The host's record, created when new: 'heard' (an agent spoke) is written at the next flush;
   * 'listed' (a token, nothing heard yet) is not: on a shared database that empty row would
   * overwrite what the hub holding the agent's link stored.
   */
  private record(host: string, why: 'heard' | 'listed' = 'heard'): HostState {
    let h = this.hosts.get(host);
    if (!h) {
      h = newHostState(host, this.deps.now().toISOString(), why === 'heard');
      this.hosts.set(host, h);
      this.sorted = null;
    }
    return h;
  }

  private alert(a: AlertDraft): void {
    this.deps.alerts.send({ ...a, at: this.deps.now().toISOString() });
  }
}

/**
 * The summary a status implies (the outbox figure stays the last beat's): the host's views and the
 * next heartbeat see the new revision at once, and that beat's equal summary writes nothing.
 */
function implied(last: HeartbeatSummary | null, status: StatusSnapshot): HeartbeatSummary {
  const next = summaryOfStatus(status, last?.outbox ?? 0);
  return last !== null && sameSummary(last, next) ? last : next;
}

/** The stored fields of a record, in a copy of one fixed shape (spreading the whole record cost ~6 us a host). */
function rowOf(h: HostState): HostWrite {
  return { host: h.host, branch: h.branch, version: h.version, inventory: h.inventory, status: h.status, metrics: h.metrics, summary: h.summary,
    lastSeen: lastSeenOf(h), lastSeq: h.lastSeq, firstSeen: h.firstSeen, resourcesStored: h.status !== null && sameResources(h.status.resources, h.storedResources) };
}
