// The agent's key-value state: one map from key to type, each with the zod schema that checks
// what comes back from SQLite, so that no caller casts what it reads.

import { z } from 'zod';
import type { ErrorJSON } from '../contracts/errors.js';
import type { FieldChange, ResourceChange } from '../planner/steps.js';

const errorJson: z.ZodType<ErrorJSON> = z.object({
  name: z.string(),
  code: z.string(),
  message: z.string(),
  handling: z.enum(['commit', 'retry', 'fatal', 'bug']),
  data: z.record(z.string(), z.unknown()).optional(),
  cause: z.string().optional(),
});

const fieldChange: z.ZodType<FieldChange> = z.object({ field: z.string(), from: z.string().nullable(), to: z.string().nullable() });

const resourceChange: z.ZodType<ResourceChange> = z.object({
  kind: z.enum(['container', 'network', 'volume', 'image', 'unit', 'file']),
  name: z.string(),
  action: z.enum(['create', 'replace', 'start', 'restart', 'update', 'remove', 'pull', 'keep']),
  why: z.string(),
  fields: z.array(fieldChange),
  drift: z.boolean(),
});

export interface PendingState {
  commit: string;
  /** When the window opens (ISO), or null when it never does. */
  until: string | null;
  /** What applying it would change, planned when it was deferred. */
  changes: ResourceChange[];
}

export interface LastSyncState {
  at: string;
  commit: string | null;
  /** The SyncResult of that run. */
  result: string;
  error: ErrorJSON | null;
  /** Number of resources it changed. */
  changes: number;
  retry: boolean;
}

export interface SourceState {
  at: string;
  ok: boolean;
  head: string | null;
  error: ErrorJSON | null;
}

export interface SuspensionState {
  until: string;
  reason: string;
  since: string;
  /** Who asked: `local:<user>` for `moor suspend`, `hub:<operator>` from the hub (absent in older records). */
  by?: string;
}

/** Unexpected exceptions (bugs in moor) seen since the state dir was made. */
export interface BugState {
  count: number;
  last: { at: string; commit: string | null; error: ErrorJSON } | null;
}

/** Every key the agent keeps, and the type of its value. */
export interface StateMap {
  /** Commit whose desired state the host is meant to run now. */
  applied: string;
  /** Last commit that applied and passed the health gate. */
  lastGood: string;
  lastSync: LastSyncState;
  sourceStatus: SourceState;
  suspension: SuspensionState;
  /** A valid commit waiting for its maintenance window. */
  pending: PendingState;
  /** Drift seen at the last check and not put back. */
  drift: ResourceChange[];
  bugs: BugState;
}

export type StateKey = keyof StateMap;

export const STATE_SCHEMAS: { [K in StateKey]: z.ZodType<StateMap[K]> } = {
  applied: z.string(),
  lastGood: z.string(),
  lastSync: z.object({
    at: z.string(),
    commit: z.string().nullable(),
    result: z.string(),
    error: errorJson.nullable(),
    changes: z.number(),
    retry: z.boolean(),
  }),
  sourceStatus: z.object({ at: z.string(), ok: z.boolean(), head: z.string().nullable(), error: errorJson.nullable() }),
  suspension: z.object({ until: z.string(), reason: z.string(), since: z.string(), by: z.string().optional() }),
  pending: z.object({ commit: z.string(), until: z.string().nullable(), changes: z.array(resourceChange) }),
  drift: z.array(resourceChange),
  bugs: z.object({
    count: z.number(),
    last: z.object({ at: z.string(), commit: z.string().nullable(), error: errorJson }).nullable(),
  }),
};
