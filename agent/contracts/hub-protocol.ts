// The wire protocol between an agent's reporter and the hub: JSON text frames over one websocket.
// Both ends import these types; the hub checks agent frames with guards, the agent checks hub frames.

import { z } from 'zod';
import type { StatusSnapshot } from './status-model.js';
import type { AgentEvent } from './events.js';

/** Static facts about the host, sent once per connection. */
export interface HostInventory {
  os: { platform: string; distro: string; release: string; arch: string; kernel: string };
  cpu: { manufacturer: string; brand: string; cores: number };
  memTotal: number;
  agentVersion: string;
  nodeVersion: string;
  /** The host's age recipient (`moor secrets recipient`), for hosts/<host>.yaml (issue 13). */
  ageRecipient?: string;
}

/** Cheap, changing facts about the host, sampled at each heartbeat. */
export interface HostMetrics {
  /** Percent of all cores, 0-100. */
  cpuLoad: number;
  load1: number;
  memUsed: number;
  memTotal: number;
  disks: { path: string; used: number; size: number }[];
  uptimeSec: number;
  /** Celsius, null where the host exposes no sensor. */
  temperature: number | null;
}

/** What the hub keeps from each heartbeat besides the metrics. */
export interface HeartbeatSummary {
  applied: string | null;
  head: string | null;
  state: StatusSnapshot['state'];
  healthy: number;
  unhealthy: number;
  suspended: boolean;
  outbox: number;
  /** The host's fleet labels (absent from older agents). */
  labels?: Record<string, string>;
}

export interface OutboxEntry {
  seq: number;
  at: string;
  event: AgentEvent;
}

export type AgentMessage =
  | { t: 'hello'; host: string; version: string; branch: string; inventory: HostInventory | null }
  | { t: 'status'; status: StatusSnapshot }
  /**
   * `inventory` rides on the first heartbeat after it became known, when hello went without it.
   * `summary` is left out only when the hub's welcome offered 'lean-heartbeat' and it equals the
   * last one sent on this link (the hub keeps that one); older hubs always get it.
   */
  | { t: 'heartbeat'; at: string; metrics: HostMetrics | null; summary?: HeartbeatSummary; inventory?: HostInventory }
  /**
   * `status` rides along (hub feature 'events-status') when the batch holds an event that changed
   * the status: one frame where an events frame and a status frame went.
   */
  | { t: 'events'; events: OutboxEntry[]; status?: StatusSnapshot }
  | { t: 'refused'; command: string; reason: string };

/**
 * A status without its resources, sent only when the hub's welcome offered 'lean-status' and the
 * resources equal those of the last status sent on this same link (the first status of a link is
 * always whole). The hub completes it with the resources it received on that link; a hub that has
 * none for the link keeps nothing of it and asks for a status, which the agent answers whole.
 */
export interface LeanStatusFrame {
  t: 'status';
  status: Omit<StatusSnapshot, 'resources'>;
  resources: 'unchanged';
}

/** An events frame whose status is lean, on the same terms as a lean status frame. */
export interface LeanEventsFrame {
  t: 'events';
  events: OutboxEntry[];
  status: Omit<StatusSnapshot, 'resources'>;
  resources: 'unchanged';
}

/** Everything an agent may send: a message, or a lean frame that stands for one. */
export type AgentFrame = AgentMessage | LeanStatusFrame | LeanEventsFrame;

/** What a hub may offer in its welcome; an agent uses only those it knows, an older hub offers none. */
export type HubFeature = 'lean-heartbeat' | 'lean-status' | 'events-status';
export const HUB_FEATURES: readonly HubFeature[] = ['lean-heartbeat', 'lean-status', 'events-status'];

export type HubMessage =
  /** Sent after hello: the highest event sequence number the hub already holds for this host, and what the hub offers. */
  | { t: 'welcome'; ackedSeq: number; features?: readonly HubFeature[] }
  | { t: 'ack'; seq: number }
  | { t: 'sync'; reason: string }
  /** Asks for a whole status (never a lean one): the hub may lack the resources a lean one leaves out. */
  | { t: 'status' }
  /** Break-glass pause, as `moor suspend`: `for` is a duration (`2h`, default 2h); `by` is `hub:<operator>`. */
  | { t: 'suspend'; for?: string; reason: string; by: string }
  | { t: 'resume'; by: string };

/** The only commands a hub may give; anything else is refused by the agent. None runs a command. */
export const HUB_COMMANDS: readonly string[] = ['welcome', 'ack', 'sync', 'status', 'suspend', 'resume'];

/**
 * Bounds of the suspend/resume frames, shared by the hub (which checks first) and the agent.
 * `for` is a duration as `moor suspend --for` takes it, longer than 0 and at most `maxMs`.
 */
export const SUSPEND_LIMITS = { reason: 1024, by: 200, duration: 32, maxMs: 30 * 86_400_000 } as const;
/** As `moor suspend` without `--for`. */
export const DEFAULT_SUSPEND_FOR = '2h';

const suspendFrame = z.strictObject({
  t: z.literal('suspend'),
  for: z.string().regex(/^[0-9.a-z]+$/).max(SUSPEND_LIMITS.duration).optional(),
  reason: z.string().min(1).max(SUSPEND_LIMITS.reason),
  by: z.string().min(1).max(SUSPEND_LIMITS.by),
});
const resumeFrame = z.strictObject({ t: z.literal('resume'), by: z.string().min(1).max(SUSPEND_LIMITS.by) });

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a hub frame; returns the frame's `t` (or a placeholder) when it is not one we obey. */
export function parseHubMessage(text: string): { ok: true; message: HubMessage } | { ok: false; command: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, command: '(not json)' };
  }
  if (!isRecord(value)) return { ok: false, command: '(not an object)' };
  const t = value['t'];
  const command = typeof t === 'string' ? t.slice(0, 64) : '(no type)';
  if (t === 'welcome' && Number.isSafeInteger(value['ackedSeq'])) {
    return { ok: true, message: { t, ackedSeq: value['ackedSeq'] as number, features: featuresOf(value['features']) } };
  }
  if (t === 'ack' && Number.isSafeInteger(value['seq'])) return { ok: true, message: { t, seq: value['seq'] as number } };
  if (t === 'sync') {
    const reason = typeof value['reason'] === 'string' ? value['reason'].slice(0, 200) : 'hub';
    return { ok: true, message: { t, reason } };
  }
  if (t === 'status') return { ok: true, message: { t } };
  if (t === 'suspend' || t === 'resume') {
    const parsed = (t === 'suspend' ? suspendFrame : resumeFrame).safeParse(value);
    if (parsed.success) return { ok: true, message: parsed.data };
  }
  return { ok: false, command };
}

/** The features of a welcome this agent knows; anything else (or no list, from an older hub) is ignored. */
function featuresOf(value: unknown): HubFeature[] {
  if (!Array.isArray(value)) return [];
  return HUB_FEATURES.filter((f) => value.includes(f));
}
