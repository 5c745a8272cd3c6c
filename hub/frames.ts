// Checks every agent frame before anything of it is kept: nesting depth scanned on the raw text
// (before JSON.parse), then strict zod schemas with bounded strings, arrays and the event catalogue:
// the contract's shapes (agent/contracts/wire-schemas.ts, whose vocabularies they share) with the
// bounds of what the hub keeps. A frame whose schema changes no value is checked first by a
// validator compiled from that same schema (frame-check.ts); zod names the first problem of a frame
// the compiled validator refused.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { compiledCheck } from './frame-check.js';
import type { AgentEventType } from '../agent/contracts/events.js';
import { isRecord, type AgentFrame, type HostMetrics } from '../agent/contracts/hub-protocol.js';
import { agentStateSchema, changeActionSchema, changeKindSchema, errorHandlingSchema, resourceHealthSchema, resourceKindSchema } from '../agent/contracts/wire-schemas.js';

/** Deepest nesting a real frame has is about 6 (events -> drift change -> fields -> item). */
export const MAX_FRAME_DEPTH = 16;
/** One event's JSON; larger ones make the whole frame bad. */
export const MAX_EVENT_BYTES = 256 * 1024;

export class BadFrameError extends Error {
  readonly code = 'BAD_FRAME';
}

/** Fails when objects or arrays nest deeper than `max`; strings are skipped, so brackets in them do not count. */
export function checkDepth(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) throw new BadFrameError(`frame nests deeper than ${max}`);
    } else if (c === 93 || c === 125) depth--;
  }
}

const str = (max = 256) => z.string().max(max);
const sha = z.string().regex(/^[0-9a-f]{4,64}$/);
const iso = z.string().max(40);
const count = z.number().int().min(0).max(1e9);
const num = z.number().finite();

const errorJson = z.strictObject({
  name: str(), code: str(), message: str(4096), handling: errorHandlingSchema,
  data: z.record(z.string().max(256), z.unknown()).optional(), cause: str(4096).optional(),
});

const inventory = z.strictObject({
  os: z.strictObject({ platform: str(), distro: str(), release: str(), arch: str(), kernel: str() }),
  cpu: z.strictObject({ manufacturer: str(), brand: str(), cores: count }),
  memTotal: count.or(num.min(0)), agentVersion: str(), nodeVersion: str(),
  ageRecipient: str(128).optional(),
});

/** A heartbeat's metrics, each sampled figure made a schema by `figure`. */
const metricsWith = <F extends z.ZodType>(figure: (n: z.ZodNumber) => F) => z.strictObject({
  cpuLoad: figure(num.min(0).max(10_000)), load1: figure(num.min(0)), memUsed: figure(num.min(0)), memTotal: figure(num.min(0)),
  disks: z.array(z.strictObject({ path: str(1024), used: figure(num.min(0)), size: figure(num.min(0)) })).max(64),
  uptimeSec: figure(num.min(0)), temperature: num.nullable(),
});

/** A sampled figure: an agent's NaN arrives as null (JSON has no NaN) and stays "unknown", not a bad frame. */
const metrics = metricsWith((n) => n.nullable().transform((v) => v ?? Number.NaN));
/** The same metrics as they come over the wire: an unmeasured figure is still null. */
const wireMetrics = metricsWith((n) => n.nullable());
type WireMetrics = z.output<typeof wireMetrics>;

/** A host's fleet labels: Kubernetes-sized keys and values, a bounded number of them. */
const labels = z.record(z.string().max(317), str(253)).refine((l) => Object.keys(l).length <= 64, 'more than 64 labels').meta({ maxProperties: 64 });

const summary = z.strictObject({
  applied: sha.nullable(), head: sha.nullable(),
  state: agentStateSchema,
  healthy: count, unhealthy: count, suspended: z.boolean(), outbox: count,
  labels: labels.optional(),
});

const status = z.strictObject({
  host: str(), version: str(), branch: str(),
  revision: z.strictObject({ applied: sha.nullable(), lastGood: sha.nullable(), head: sha.nullable() }),
  commit: z.strictObject({ id: sha, author: str(), email: str(), date: iso, message: str(4096) }).nullable().optional(),
  state: summary.shape.state,
  lastSync: z.strictObject({ at: iso, commit: sha.nullable(), result: str(64), error: errorJson.nullable() }).nullable(),
  source: z.strictObject({ ok: z.boolean(), at: iso, error: errorJson.nullable() }).nullable(),
  suspended: z.strictObject({ until: iso, reason: str(1024), since: iso, by: str(200).optional() }).nullable(),
  pending: z.strictObject({ commit: sha, until: iso.nullable() }).nullable(),
  resources: z.array(z.strictObject({
    kind: resourceKindSchema, name: str(),
    health: resourceHealthSchema, detail: str(1024),
  })).max(2000),
  drift: z.array(z.strictObject({ resource: str(), detail: str(1024) })).max(2000),
  hub: z.strictObject({ url: str(1024), connected: z.boolean(), outbox: count }).nullable(),
  labels: labels.optional(),
  bugs: z.strictObject({ count, last: z.strictObject({ at: iso, message: str(4096) }).nullable() }).optional(),
  engine: z.strictObject({ ok: z.boolean(), since: iso.nullable(), error: str(4096).nullable() }).optional(),
});

const change = z.strictObject({
  kind: changeKindSchema, name: str(),
  action: changeActionSchema,
  why: str(1024), fields: z.array(z.strictObject({ field: str(), from: str(4096).nullable(), to: str(4096).nullable() })).max(200),
  drift: z.boolean(),
});

const event = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sync.started'), commit: sha, trigger: str() }),
  z.strictObject({ type: z.literal('sync.succeeded'), commit: sha, changes: count, durationMs: num.min(0), diff: z.array(change).max(500).optional() }),
  z.strictObject({ type: z.literal('sync.failed'), commit: sha, error: errorJson }),
  z.strictObject({ type: z.literal('sync.rolledBack'), commit: sha, to: sha, error: errorJson }),
  z.strictObject({ type: z.literal('sync.rollbackFailed'), commit: sha, to: sha, error: errorJson, rollbackError: errorJson }),
  z.strictObject({ type: z.literal('commit.invalid'), commit: sha, error: errorJson }),
  z.strictObject({ type: z.literal('commit.refused'), commit: sha, reason: str(4096) }),
  z.strictObject({ type: z.literal('commit.pending'), commit: sha, until: iso }),
  z.strictObject({ type: z.literal('drift.detected'), changes: z.array(change).max(500), healed: z.boolean() }),
  z.strictObject({ type: z.literal('source.unreachable'), error: errorJson }),
  z.strictObject({ type: z.literal('source.recovered'), head: sha }),
  z.strictObject({ type: z.literal('agent.suspended'), until: iso, reason: str(1024), by: str(200).optional() }),
  z.strictObject({ type: z.literal('agent.resumed'), reason: str(1024), by: str(200).optional() }),
  z.strictObject({ type: z.literal('agent.started'), version: str() }),
  z.strictObject({ type: z.literal('agent.bug'), commit: sha.nullable(), error: errorJson }),
  z.strictObject({ type: z.literal('engine.unresponsive'), error: errorJson }),
  z.strictObject({ type: z.literal('engine.recovered') }),
  z.strictObject({ type: z.literal('events.dropped'), count }),
]);

/** The catalogue, checked against agent/contracts/events.ts by the compiler in both directions. */
type SchemaTypes = z.infer<typeof event>['type'];
const CATALOGUE_COVERED: [AgentEventType] extends [SchemaTypes] ? ([SchemaTypes] extends [AgentEventType] ? true : never) : never = true;
void CATALOGUE_COVERED;

const entry = z.strictObject({ seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), at: iso, event });

const helloFrame = z.strictObject({ t: z.literal('hello'), host: str(), version: str(), branch: str(), inventory: inventory.nullable() });
const statusFrame = z.strictObject({ t: z.literal('status'), status });
const eventsFrame = z.strictObject({ t: z.literal('events'), events: z.array(entry).max(1000), status: status.optional() });
const refusedFrame = z.strictObject({ t: z.literal('refused'), command: str(64), reason: str(1024) });
/** A heartbeat with its metrics as `m` reads them. */
const heartbeatWith = <M extends z.ZodType>(m: M) => z.strictObject({ t: z.literal('heartbeat'), at: iso, metrics: m.nullable(), summary: summary.optional(), inventory: inventory.optional() });
const heartbeatFrame = heartbeatWith(metrics);
const wireHeartbeatFrame = heartbeatWith(wireMetrics);
const frame = z.discriminatedUnion('t', [
  helloFrame,
  statusFrame,
  heartbeatFrame,
  eventsFrame,
  refusedFrame,
]);

/** A status without its resources (hub feature 'lean-status'): checked as strictly as a whole one. */
const leanStatus = status.omit({ resources: true });
const leanStatusFrame = z.strictObject({ t: z.literal('status'), status: leanStatus, resources: z.literal('unchanged') });
/** An events frame with a lean status riding on it (features 'events-status' and 'lean-status'). */
const leanEventsFrame = z.strictObject({ t: z.literal('events'), events: z.array(entry).max(1000), status: leanStatus, resources: z.literal('unchanged') });

/**
 * Each frame's validator compiled from its schema, by `t` and whether the frame is lean. A
 * heartbeat's is compiled from its wire shape: its metrics' nulls are made NaN after the check, as
 * zod's parse makes them.
 */
const compiled = {
  hello: compiledCheck(helloFrame),
  heartbeat: compiledCheck(wireHeartbeatFrame),
  status: compiledCheck(statusFrame),
  events: compiledCheck(eventsFrame),
  refused: compiledCheck(refusedFrame),
  leanStatus: compiledCheck(leanStatusFrame),
  leanEvents: compiledCheck(leanEventsFrame),
};

/** Every frame a current agent sends passes: the compiler checks the schema against the wire types. */
const FRAMES_COVERED: [AgentFrame] extends [z.input<typeof frame> | z.input<typeof leanStatusFrame> | z.input<typeof leanEventsFrame>] ? true : never = true;
void FRAMES_COVERED;

/**
 * Reads the frames of many hosts, remembering each host's last status frame: the same text again
 * (a status resent unchanged, after a reconnect or a request) is the message already checked, the
 * very same object, so the hub neither parses nor validates nor writes it again. A status that came
 * on an events frame since makes it stale: it is forgotten then, not kept (text and object, with
 * what the store serialised of it) for every host of the fleet, for the collector to mark again at
 * each major collection.
 */
export class FrameReader {
  /** Each host's last status frame: its digest (the text itself was 2 KB a host, 10 MB of a 5,000-host hub's heap) and the message. */
  private readonly lastStatus = new Map<string, { digest: string; message: AgentFrame }>();

  read(host: string, text: string): AgentFrame {
    const last = this.lastStatus.get(host);
    // Only a status frame can be the same text again: a heartbeat or events frame is never digested.
    const digest = last !== undefined && text.startsWith('{"t":"status"') ? digestOf(text) : null;
    if (last !== undefined && last.digest === digest) return last.message;
    const message = parseAgentFrame(text);
    if (message.t === 'status') this.lastStatus.set(host, { digest: digest ?? digestOf(text), message });
    else if (message.t === 'events' && message.status !== undefined) this.lastStatus.delete(host);
    return message;
  }
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

/** Parses one text frame; throws BadFrameError naming the first problem. */
export function parseAgentFrame(text: string): AgentFrame {
  checkDepth(text, MAX_FRAME_DEPTH);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadFrameError('frame is not JSON');
  }
  const m = checkedFast(value) ?? parsedByZod(value);
  if (m.t === 'events') {
    for (const e of m.events) {
      if (JSON.stringify(e.event).length > MAX_EVENT_BYTES) throw new BadFrameError(`event ${e.seq} is larger than ${MAX_EVENT_BYTES} bytes`);
    }
  }
  return m;
}

/**
 * The frame, when the validator compiled for its kind accepts it: the same value (its schema
 * changes none), or for a heartbeat the same with its metrics' nulls made NaN. Null for a frame it
 * refuses or an unknown kind, which zod parses (and names the problem of).
 */
export function checkedFast(value: unknown): AgentFrame | null {
  if (!isRecord(value)) return null;
  const lean = 'resources' in value;
  switch (value['t']) {
    case 'hello':
      return compiled.hello(value) ? value : null;
    case 'heartbeat':
      return compiled.heartbeat(value) ? { ...value, metrics: unmeasuredAsNaN(value.metrics) } : null;
    case 'status':
      if (lean) return compiled.leanStatus(value) ? value : null;
      return compiled.status(value) ? value : null;
    case 'events':
      if (lean) return compiled.leanEvents(value) ? value : null;
      return compiled.events(value) ? value : null;
    case 'refused':
      return compiled.refused(value) ? value : null;
    default:
      return null;
  }
}

/** Wire metrics as zod's parse hands them back: each null figure NaN (temperature stays null: "no sensor"). */
function unmeasuredAsNaN(m: WireMetrics | null): HostMetrics | null {
  if (m === null) return null;
  return {
    cpuLoad: m.cpuLoad ?? NaN, load1: m.load1 ?? NaN, memUsed: m.memUsed ?? NaN, memTotal: m.memTotal ?? NaN,
    disks: m.disks.map((d) => ({ path: d.path, used: d.used ?? NaN, size: d.size ?? NaN })),
    uptimeSec: m.uptimeSec ?? NaN, temperature: m.temperature,
  };
}

/** The frame as zod parses it; a BadFrameError naming the first problem when it does not pass. */
export function parsedByZod(value: unknown): AgentFrame {
  const parsed = leanSchema(value).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadFrameError(`bad frame at ${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** The frames that share their `t` with another: lean ones, told apart by their top-level `resources`. */
function leanSchema(value: unknown): typeof frame | typeof leanStatusFrame | typeof leanEventsFrame {
  if (!isRecord(value) || !('resources' in value)) return frame;
  if (value['t'] === 'status') return leanStatusFrame;
  return value['t'] === 'events' ? leanEventsFrame : frame;
}
