// zod guards for the shapes that cross a process boundary on this host (the control socket):
// each schema is typed as its TypeScript shape, so the compiler refuses a schema that drifts.

import { z } from 'zod';
import type { ResourceChange } from './changes.js';
import type { ErrorJSON } from './errors.js';
import type { StatusSnapshot } from './status-model.js';
import type { SyncOutcome, SyncResult } from './sync-outcome.js';

// The closed vocabularies of the shapes, shared with the hub's bounded copies of them
// (hub/frames.ts): one list each, so the agent and the hub cannot disagree on a value.
export const errorHandlingSchema = z.enum(['commit', 'retry', 'fatal', 'bug']);
export const changeKindSchema = z.enum(['container', 'network', 'volume', 'image', 'unit', 'file']);
export const changeActionSchema = z.enum(['create', 'replace', 'start', 'restart', 'update', 'remove', 'pull', 'keep']);
export const agentStateSchema = z.enum(['idle', 'syncing', 'suspended', 'pending-window', 'failed', 'error']);
export const resourceKindSchema = z.enum(['container', 'unit', 'file', 'network', 'volume']);
export const resourceHealthSchema = z.enum(['healthy', 'unhealthy', 'starting', 'stopped', 'missing']);

export const errorJsonSchema: z.ZodType<ErrorJSON> = z.object({
  name: z.string(),
  code: z.string(),
  message: z.string(),
  handling: errorHandlingSchema,
  data: z.record(z.string(), z.unknown()).optional(),
  cause: z.string().optional(),
});

export const resourceChangeSchema: z.ZodType<ResourceChange> = z.object({
  kind: changeKindSchema,
  name: z.string(),
  action: changeActionSchema,
  why: z.string(),
  fields: z.array(z.object({ field: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
  drift: z.boolean(),
});

// Every result, once: the mapped type makes the compiler name any result missing here.
const SYNC_RESULTS: { [R in SyncResult]: R } = {
  converged: 'converged',
  unchanged: 'unchanged',
  healed: 'healed',
  'drift-reported': 'drift-reported',
  invalid: 'invalid',
  failed: 'failed',
  'rolled-back': 'rolled-back',
  'rollback-failed': 'rollback-failed',
  refused: 'refused',
  pending: 'pending',
  suspended: 'suspended',
  error: 'error',
};

export const syncOutcomeSchema: z.ZodType<SyncOutcome> = z.object({
  result: z.enum(SYNC_RESULTS),
  commit: z.string().nullable(),
  changes: z.array(resourceChangeSchema),
  error: errorJsonSchema.nullable(),
  retry: z.boolean(),
});

export const statusSnapshotSchema: z.ZodType<StatusSnapshot> = z.object({
  host: z.string(),
  version: z.string(),
  branch: z.string(),
  revision: z.object({ applied: z.string().nullable(), lastGood: z.string().nullable(), head: z.string().nullable() }),
  commit: z.object({ id: z.string(), author: z.string(), email: z.string(), date: z.string(), message: z.string() }).nullable().optional(),
  state: agentStateSchema,
  lastSync: z.object({ at: z.string(), commit: z.string().nullable(), result: z.string(), error: errorJsonSchema.nullable() }).nullable(),
  source: z.object({ ok: z.boolean(), at: z.string(), error: errorJsonSchema.nullable() }).nullable(),
  suspended: z.object({ until: z.string(), reason: z.string(), since: z.string(), by: z.string().optional() }).nullable(),
  pending: z.object({ commit: z.string(), until: z.string().nullable() }).nullable(),
  resources: z.array(
    z.object({
      kind: resourceKindSchema,
      name: z.string(),
      health: resourceHealthSchema,
      detail: z.string(),
    }),
  ),
  drift: z.array(z.object({ resource: z.string(), detail: z.string() })),
  hub: z.object({ url: z.string(), connected: z.boolean(), outbox: z.number() }).nullable(),
  labels: z.record(z.string(), z.string()).optional(),
  bugs: z.object({ count: z.number(), last: z.object({ at: z.string(), message: z.string() }).nullable() }).optional(),
  engine: z.object({ ok: z.boolean(), since: z.string().nullable(), error: z.string().nullable() }).optional(),
});
