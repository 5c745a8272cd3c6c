// The checkout child's wire (agent/source/checkout-child.ts and checkout-main.ts): the agent sends
// one request over IPC, the child answers with the commit's metadata (and what git says of it for
// the commit gate) or the error it met, then exits. A `facts` request asks only what git says of
// a commit fetched before. Both sides check what they receive: the other end is another process. The schemas are
// built on demand (on-demand.ts): the daemon needs them only while a new commit is checked out.

import { z } from 'zod';
import { childErrorSchema } from './child-error.js';
import { onDemand } from './on-demand.js';

export { CHECKOUT_VERB } from './child-verbs.js';

export const checkoutRequestSchema = onDemand(() => {
  const sourceSettingsSchema = z.object({
    url: z.string(),
    kind: z.enum(['http', 'ssh', 'local']),
    branch: z.string(),
    path: z.string(),
    intervalMs: z.number(),
    schedule: z.string().nullable(),
    auth: z.object({
      username: z.string().nullable(),
      password: z.string().nullable(),
      sshKeyFile: z.string().nullable(),
      knownHostsFile: z.string().nullable(),
    }),
    verify: z.object({ mode: z.enum(['off', 'head']), keysFile: z.string().nullable() }),
    allowRewind: z.boolean(),
  });

  const oid = z.string().regex(/^[0-9a-f]{40}$/);
  return z.discriminatedUnion('type', [
    z.object({
      type: z.literal('checkout'),
      settings: sourceSettingsSchema,
      gitDir: z.string(),
      commit: oid,
      destDir: z.string(),
      timeoutMs: z.number().int().positive().optional(),
      /** Present: the facts of the commit against this applied one come back with the checkout. */
      factsAgainst: oid.nullable().optional(),
    }),
    z.object({ type: z.literal('facts'), settings: sourceSettingsSchema, gitDir: z.string(), commit: oid, applied: oid.nullable() }),
  ]);
});
export type CheckoutRequest = z.infer<ReturnType<typeof checkoutRequestSchema>>;

export const checkoutReplySchema = onDemand(() => {
  const revisionSchema = z.object({
    commit: z.string(),
    author: z.string(),
    email: z.string(),
    date: z.string(),
    message: z.string(),
  });

  const factsSchema = z.object({
    commit: z.string(),
    applied: z.string().nullable(),
    signature: z.object({ signed: z.boolean(), valid: z.boolean(), signer: z.string().nullable(), reason: z.string() }).nullable(),
    behindApplied: z.boolean(),
  });

  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('checked-out'), revision: revisionSchema, facts: factsSchema.optional(), peakKb: z.number() }),
    z.object({ type: z.literal('facts'), facts: factsSchema, peakKb: z.number() }),
    z.object({
      type: z.literal('failed'),
      error: childErrorSchema(),
      peakKb: z.number(),
    }),
  ]);
});
export type CheckoutReply = z.infer<ReturnType<typeof checkoutReplySchema>>;
