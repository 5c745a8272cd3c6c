// The local control socket's protocol: one JSON request line, one JSON response line. Both ends
// import it; the client checks every reply with the verb's schema before a caller sees it.

import { z } from 'zod';
import type { ResourceChange } from './changes.js';
import type { ErrorJSON } from './errors.js';
import type { StatusSnapshot } from './status-model.js';
import type { SyncOutcome } from './sync-outcome.js';
import { planStepSchema, type PlanStep } from './step-schema.js';
import { errorJsonSchema, resourceChangeSchema, statusSnapshotSchema, syncOutcomeSchema } from './wire-schemas.js';

export type ControlRequest =
  | { verb: 'sync' }
  | { verb: 'status' }
  | { verb: 'plan' }
  | { verb: 'suspend'; forMs: number; reason: string; by?: string }
  | { verb: 'resume'; by?: string }
  /** Diagnostics (bench/footprint.ts): a full GC, then the memory figures. Refused unless MOOR_DIAGNOSTICS=1. */
  | { verb: 'gc' };

export type ControlVerb = ControlRequest['verb'];

export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

/** `moor plan` from a running agent: the head planned against what runs (already redacted). */
export interface PlanNowView {
  commit: string | null;
  plan: { steps: PlanStep[]; changes: ResourceChange[] };
  invalid: ErrorJSON | null;
  sourceError: ErrorJSON | null;
}

/** The process's memory after a full GC (the diagnostic verb `gc`), in bytes. */
export interface MemoryFigures {
  rss: number;
  /** From /proc/self/smaps_rollup: anonymous memory (heaps, malloc arenas) and the file-backed rest. */
  anonymous: number;
  fileBacked: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** What each verb answers. */
export interface ControlReplies {
  sync: SyncOutcome;
  status: StatusSnapshot;
  plan: PlanNowView;
  suspend: { until: string; reason: string; since: string; by?: string };
  resume: { resumed: boolean };
  gc: { before: MemoryFigures; after: MemoryFigures };
}

const memoryFiguresSchema: z.ZodType<MemoryFigures> = z.object({
  rss: z.number(), anonymous: z.number(), fileBacked: z.number(), heapUsed: z.number(), heapTotal: z.number(), external: z.number(), arrayBuffers: z.number(),
});

const REPLIES: { [V in ControlVerb]: z.ZodType<ControlReplies[V]> } = {
  sync: syncOutcomeSchema,
  status: statusSnapshotSchema,
  plan: z.object({
    commit: z.string().nullable(),
    plan: z.object({ steps: z.array(planStepSchema), changes: z.array(resourceChangeSchema) }),
    invalid: errorJsonSchema.nullable(),
    sourceError: errorJsonSchema.nullable(),
  }),
  suspend: z.object({ until: z.string(), reason: z.string(), since: z.string(), by: z.string().optional() }),
  resume: z.object({ resumed: z.boolean() }),
  gc: z.object({ before: memoryFiguresSchema, after: memoryFiguresSchema }),
};

const responseSchema: z.ZodType<ControlResponse> = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

/** The envelope of a reply line; null when it is not one. */
export function parseControlResponse(value: unknown): ControlResponse | null {
  const parsed = responseSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** A verb's result checked: the reply, or where and how it differs from the verb's shape. */
export type ReplyCheck<V extends ControlVerb> = { ok: true; reply: ControlReplies[V] } | { ok: false; problem: string };

/** The result of a verb, checked against the verb's schema (a plan's steps against the full Step union). */
export function checkControlReply<V extends ControlVerb>(verb: V, value: unknown): ReplyCheck<V> {
  const schema: z.ZodType<ControlReplies[V]> = REPLIES[verb];
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, reply: parsed.data };
  const issues = parsed.error.issues;
  const shownIssues = issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(the reply)'}: ${i.message}`);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return { ok: false, problem: `${shownIssues.join('; ')}${more}` };
}

/** The result of a verb, checked; null when it does not have the verb's shape. */
export function parseControlReply<V extends ControlVerb>(verb: V, value: unknown): ControlReplies[V] | null {
  const checked = checkControlReply(verb, value);
  return checked.ok ? checked.reply : null;
}

/** Who asked (`local:<user>`), when the client said so; bounded like the hub's `by`. */
const by = () => z.string().min(1).transform((s) => s.slice(0, 200)).optional();

const requestSchema: z.ZodType<ControlRequest> = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('sync') }),
  z.object({ verb: z.literal('status') }),
  z.object({ verb: z.literal('plan') }),
  z.object({ verb: z.literal('suspend'), forMs: z.number().positive(), reason: z.string(), by: by() }),
  z.object({ verb: z.literal('resume'), by: by() }),
  z.object({ verb: z.literal('gc') }),
]);

/** A request line, checked; null when it is not JSON or not a request. */
export function parseControlRequest(line: string): ControlRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = requestSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
