// The local control socket's protocol: one JSON request line, one JSON response line. Both ends
// import it; the replies' schemas are in control-replies.ts, which only the client loads (the
// daemon does not carry them).

import { z } from 'zod';
import type { ResourceChange } from './changes.js';
import type { ErrorJSON } from './errors.js';
import type { StatusSnapshot } from './status-model.js';
import type { SyncOutcome } from './sync-outcome.js';
import type { PlanStep } from './step-schema.js';

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
