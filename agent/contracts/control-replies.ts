// The control socket's replies checked on the client's side: the envelope, and each verb's result
// against its schema (a plan's steps against the full Step union) before a caller sees it.

import { z } from 'zod';
import type { ControlReplies, ControlResponse, ControlVerb, MemoryFigures } from './control-protocol.js';
import { planStepSchema } from './step-schema.js';
import { errorJsonSchema, resourceChangeSchema, statusSnapshotSchema, syncOutcomeSchema } from './wire-schemas.js';

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
