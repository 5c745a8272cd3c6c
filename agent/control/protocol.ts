// The local control socket's protocol: one JSON request line, one JSON response line.

export type ControlRequest =
  | { verb: 'sync' }
  | { verb: 'status' }
  | { verb: 'plan' }
  | { verb: 'suspend'; forMs: number; reason: string }
  | { verb: 'resume' }
  /** Diagnostics (bench/footprint.ts): a full GC, then the memory figures. Refused unless MOOR_DIAGNOSTICS=1. */
  | { verb: 'gc' };

export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export function parseControlRequest(line: string): ControlRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  switch (v.verb) {
    case 'sync':
    case 'status':
    case 'plan':
    case 'resume':
    case 'gc':
      return { verb: v.verb };
    case 'suspend':
      if (typeof v.forMs === 'number' && v.forMs > 0 && typeof v.reason === 'string') {
        return { verb: 'suspend', forMs: v.forMs, reason: v.reason };
      }
      return null;
    default:
      return null;
  }
}
