// The agent frames' zod schemas: the contract's shapes (agent/contracts/wire-schemas.ts, whose
// vocabularies they share) with the bounds of what the hub keeps: bounded strings and arrays, the
// event catalogue, strict objects. frames.ts checks frames against them; a heartbeat has two forms,
// its wire shape (an unmeasured figure null) and the parsed one (that figure NaN).

import { z } from 'zod';
import type { AgentEventType } from '../agent/contracts/events.js';
import type { AgentFrame } from '../agent/contracts/hub-protocol.js';
import { agentStateSchema, changeActionSchema, changeKindSchema, errorHandlingSchema, resourceHealthSchema, resourceKindSchema } from '../agent/contracts/wire-schemas.js';

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
export const wireMetrics = metricsWith((n) => n.nullable());
export type WireMetrics = z.output<typeof wireMetrics>;

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

export const helloFrame = z.strictObject({ t: z.literal('hello'), host: str(), version: str(), branch: str(), inventory: inventory.nullable() });
export const statusFrame = z.strictObject({ t: z.literal('status'), status });
export const eventsFrame = z.strictObject({ t: z.literal('events'), events: z.array(entry).max(1000), status: status.optional() });
export const refusedFrame = z.strictObject({ t: z.literal('refused'), command: str(64), reason: str(1024) });
/** A heartbeat with its metrics as `m` reads them. */
const heartbeatWith = <M extends z.ZodType>(m: M) => z.strictObject({ t: z.literal('heartbeat'), at: iso, metrics: m.nullable(), summary: summary.optional(), inventory: inventory.optional() });
const heartbeatFrame = heartbeatWith(metrics);
export const wireHeartbeatFrame = heartbeatWith(wireMetrics);
export const frame = z.discriminatedUnion('t', [
  helloFrame,
  statusFrame,
  heartbeatFrame,
  eventsFrame,
  refusedFrame,
]);

/** A status without its resources (hub feature 'lean-status'): checked as strictly as a whole one. */
const leanStatus = status.omit({ resources: true });
export const leanStatusFrame = z.strictObject({ t: z.literal('status'), status: leanStatus, resources: z.literal('unchanged') });
/** An events frame with a lean status riding on it (features 'events-status' and 'lean-status'). */
export const leanEventsFrame = z.strictObject({ t: z.literal('events'), events: z.array(entry).max(1000), status: leanStatus, resources: z.literal('unchanged') });

/** Every frame a current agent sends passes: the compiler checks the schema against the wire types. */
const FRAMES_COVERED: [AgentFrame] extends [z.input<typeof frame> | z.input<typeof leanStatusFrame> | z.input<typeof leanEventsFrame>] ? true : never = true;
void FRAMES_COVERED;
