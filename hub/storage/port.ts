// The storage port: everything the hub keeps (hosts, tokens, events, operators, sessions, audit,
// webhook deliveries, branch heads, rollouts). Async because PostgreSQL is; SQLite answers at once.

import type { HostInventory, HostMetrics, HeartbeatSummary, HubMessage, OutboxEntry } from '../../agent/contracts/hub-protocol.js';
import type { StatusSnapshot } from '../../agent/contracts/status-model.js';
import type { Rollout, RolloutHead, RolloutHost } from '../rollouts/model.js';

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

/**
 * A host's row to write. `resourcesStored`: the status's resources equal those this hub already
 * wrote for the host, so they are left as stored; otherwise they are written too.
 */
export type HostWrite = HostRow & { resourcesStored?: boolean };

/** What a heartbeat moves of a host's row. */
export type SeenRow = Pick<HostRow, 'host' | 'firstSeen' | 'metrics' | 'lastSeen'>;

/** Per-host limits on stored events: rows and payload bytes; the oldest go first. */
export interface EventCaps {
  rows: number;
  bytes: number;
}

/** One agent frame's events, for insertEventBatch. */
export interface EventBatchItem {
  host: string;
  lastSeq: number;
  entries: readonly OutboxEntry[];
  received: Date;
}

export interface InsertedEvents {
  /** The entries stored now (not seen before). */
  fresh: OutboxEntry[];
  /** The host's stored seq after the insert. */
  lastSeq: number;
}

export interface StoredEvent {
  id: number;
  seq: number;
  at: string;
  received: string;
  type: string;
  event: unknown;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  result: string;
  remote: string;
}

export interface UserRow {
  name: string;
  role: string;
  created: string;
}

/** An operator who logged in with OpenID Connect at least once. */
export interface OidcUser {
  issuer: string;
  subject: string;
  name: string;
  display: string;
  role: string;
  created: string;
  lastLogin: string;
  /** When an admin revoked it; its logins are refused from then on. */
  revoked: string | null;
}

/** One point of a host's charts: the start of its slot (ms since the epoch) and percentages. */
export interface MetricsPoint {
  at: number;
  /** Percent, null when the host did not know. */
  cpu: number | null;
  mem: number | null;
  disk: number | null;
}

export interface SessionRow {
  name: string;
  role: string;
  via: string;
}

/** What a valid agent token opens: its host, and the last event seq stored for it (the welcome's). */
export interface TokenLink {
  host: string;
  lastSeq: number;
}

/** Hosts, their agent tokens (hashed), their events and the branch heads pushes announced. */
export interface HostStorage {
  addToken(host: string, token: string, now: Date): Promise<void>;
  /** Removes every token of the host; returns how many there were. */
  revokeTokens(host: string): Promise<number>;
  hostForToken(token: string): Promise<string | null>;
  /** hostForToken for many tokens in one query: each token still valid, with its host. */
  hostsForTokens(tokens: readonly string[]): Promise<Map<string, string>>;
  /**
   * The agents' connect check for many tokens at once: each token still valid, with its host and
   * the last event seq stored for that host (0 before any), in one query per few hundred tokens.
   */
  linksForTokens(tokens: readonly string[]): Promise<Map<string, TokenLink>>;
  tokenHostNames(): Promise<string[]>;
  /** Changes whenever a token is added (or the count of tokens changes): tokenHostNames needs reading again only then. */
  tokenStamp(): Promise<string>;
  /** True when the host has at least one token (it may never have connected yet). */
  hasToken(host: string): Promise<boolean>;
  listTokens(): Promise<{ host: string; tokens: number; created: string }[]>;
  loadHosts(): Promise<HostRow[]>;
  /** One host's row, e.g. the last event seq another hub stored. */
  loadHost(host: string): Promise<HostRow | null>;
  /**
   * Writes the changing part of many hosts in one transaction; never the event seq. A status's
   * resources (most of its size) are stored apart, and written only for rows not `resourcesStored`.
   */
  saveHosts(rows: readonly HostWrite[]): Promise<void>;
  /**
   * Writes only the heartbeat time and metrics of many hosts in one transaction (the rest of each
   * row as it was; a host not stored yet gets a row with just these).
   */
  saveSeen(rows: readonly SeenRow[]): Promise<void>;
  /**
   * Stores the events above the larger of `lastSeq` and the stored seq, moves the stored seq, and
   * commits before it returns: only then may the agent be acknowledged. A resent batch (a lost
   * ack, another hub) is stored once: (host, seq) is unique.
   */
  insertEvents(host: string, lastSeq: number, entries: readonly OutboxEntry[], received: Date, caps: EventCaps): Promise<{ fresh: OutboxEntry[]; lastSeq: number }>;
  /**
   * insertEvents for the frames of many hosts in one transaction (the hub's intake batches one
   * tick's frames): each item as insertEvents would store it, in order; results in the same order.
   * Committed before it returns, all or none.
   */
  insertEventBatch(items: readonly EventBatchItem[], caps: EventCaps): Promise<InsertedEvents[]>;
  /** Newest first; `beforeId` pages further back; stops once `maxBytes` of payload are read. */
  events(host: string, limit: number, beforeId?: number, maxBytes?: number): Promise<StoredEvent[]>;
  /** Hosts whose record was written after `since` (ISO time): another hub's agents, for its peers. */
  loadHostsSeenSince(since: string): Promise<HostRow[]>;
  /** Names and times only of the hosts written after `since`: a hub reads in full just the ones it does not know yet. */
  hostsSeenSince(since: string): Promise<{ host: string; lastSeen: string }[]>;
  /** The records of the named hosts (any order; unknown names are left out). */
  loadHostsNamed(hosts: readonly string[]): Promise<HostRow[]>;
  setBranchHead(branch: string, head: string, now: Date): Promise<void>;
  branchHeads(): Promise<Map<string, string>>;
}

/** Operators (hashed API tokens), dashboard sessions, the audit log, webhook replay protection. */
export interface AuthStorage {
  addUser(name: string, role: string, token: string, now: Date): Promise<void>;
  /**
   * Removes the operator and every session in that name (OpenID ones too), and marks the OpenID
   * users of that name revoked so that their next login is refused; false when there was none.
   */
  revokeUser(name: string, now?: Date): Promise<boolean>;
  /** Records an OpenID login (name, display name and role as the provider says now); 'revoked' refuses it. */
  oidcLogin(who: { issuer: string; subject: string; name: string; display: string; role: string }, now: Date): Promise<'ok' | 'revoked'>;
  oidcUsers(): Promise<OidcUser[]>;
  userForToken(token: string): Promise<{ name: string; role: string } | null>;
  users(): Promise<UserRow[]>;
  userCount(): Promise<number>;
  openSession(id: string, who: SessionRow, expires: Date): Promise<void>;
  session(id: string, now: Date): Promise<SessionRow | null>;
  closeSession(id: string): Promise<void>;
  expireSessions(now: Date): Promise<void>;
  audit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  /** Newest first; `beforeId` pages further back. */
  auditLog(limit: number, beforeId?: number): Promise<AuditEntry[]>;
  /** Records a webhook delivery; false when it was seen before (a replay, or another hub's). */
  firstDelivery(id: string, now: Date): Promise<boolean>;
  /** True when `head` was already the head of `branch` at some point (so it is not newer). */
  headSeen(branch: string, head: string): Promise<boolean>;
  rememberHead(branch: string, head: string, now: Date): Promise<void>;
}

/** Rollouts: a row each (spec, status, counters, timeline) and a row per rollout host. */
export interface RolloutStorage {
  create(rollout: Omit<Rollout, 'id'>): Promise<Rollout>;
  /**
   * Stores the rollout's own row and the rows of `hosts` (the ones that changed) in one transaction.
   * Serialises both before it returns its promise: later changes are not part of this save.
   */
  save(r: Rollout, hosts: readonly RolloutHost[]): Promise<void>;
  get(id: number): Promise<Rollout | null>;
  /** Newest first, without their hosts. */
  list(limit: number): Promise<RolloutHead[]>;
  active(): Promise<Rollout[]>;
}

/** A chart point to store for `host`, and the time before which the host's older points go. */
export interface NewMetricsPoint {
  host: string;
  point: MetricsPoint;
  before: number;
}

/** CPU, memory and disk use per host for the host page's charts, one row per host and slot. */
export interface MetricsStorage {
  /**
   * In one transaction: stores each point unless its host's slot already has one, then removes
   * each host's points older than its `before` (ms since the epoch).
   */
  addPoints(points: readonly NewMetricsPoint[]): Promise<void>;
  /** The host's points from `since` on, oldest first. */
  points(host: string, since: number): Promise<MetricsPoint[]>;
}

/** An operator's suspend or resume, as the agent receives it. */
export type BreakGlassFrame = Extract<HubMessage, { t: 'suspend' | 'resume' }>;

/** A message between hubs sharing one database: act on an agent whose link another hub holds. */
export interface HostCommandMessage {
  t: 'sync' | 'status' | 'suspend' | 'resume';
  host: string;
  reason: string;
  /** The break-glass frame itself, for 'suspend' and 'resume'. */
  frame?: BreakGlassFrame;
  /** The hub that sent it (it ignores its own). */
  from: string;
}

/** An operator's rollout write passed by a hub that does not run the rollouts to the one that does (rollouts/forward.ts). */
export type ForwardRequest =
  | { op: 'create'; body: unknown; by: string }
  | { op: 'command'; id: number; verb: 'pause' | 'resume' | 'abort'; revert: boolean; by: string };

/** The leader's answer: the HTTP status, and the rollout it touched or the error body it sent. */
export interface ForwardReply {
  status: number;
  id: number | null;
  error: Record<string, unknown> | null;
}

/** An operator's rollout write made on a hub that does not run the rollouts, and the answer of the one that does. */
export type RolloutForwardMessage =
  | { t: 'rollout-request'; from: string; reqId: string; request: ForwardRequest }
  | { t: 'rollout-reply'; from: string; to: string; reqId: string; reply: ForwardReply };

export type ClusterMessage = HostCommandMessage | RolloutForwardMessage;

/** What several hubs on one database share beyond rows: leases and a message channel. */
export interface ClusterStorage {
  /** True when several hubs can share this database (PostgreSQL); false for a SQLite file. */
  readonly shared: boolean;
  /** Takes or renews the lease `name` for `holder` until now + ttl; false while another holds it. */
  acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  publish(message: ClusterMessage): Promise<void>;
  /** Calls `listener` for every message any hub publishes (this one's too). */
  subscribe(listener: (message: ClusterMessage) => void): Promise<void>;
}

export type StorageKind = 'sqlite' | 'postgres';

export interface HubStorage {
  readonly kind: StorageKind;
  readonly hosts: HostStorage;
  readonly auth: AuthStorage;
  readonly rollouts: RolloutStorage;
  readonly metrics: MetricsStorage;
  readonly cluster: ClusterStorage;
  close(): Promise<void>;
}
