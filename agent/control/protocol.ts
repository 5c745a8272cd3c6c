// The local control socket's protocol: one JSON request line, one JSON response line.

export type ControlRequest =
  | { verb: 'sync' }
  | { verb: 'status' }
  | { verb: 'plan' }
  | { verb: 'suspend'; forMs: number; reason: string; by?: string }
  | { verb: 'resume'; by?: string };

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
      return { verb: v.verb };
    case 'resume':
      return { verb: 'resume', ...byOf(v) };
    case 'suspend':
      if (typeof v.forMs === 'number' && v.forMs > 0 && typeof v.reason === 'string') {
        return { verb: 'suspend', forMs: v.forMs, reason: v.reason, ...byOf(v) };
      }
      return null;
    default:
      return null;
  }
}

/** Who asked (`local:<user>`), when the client said so; bounded like the hub's `by`. */
function byOf(v: Record<string, unknown>): { by?: string } {
  return typeof v.by === 'string' && v.by.length > 0 ? { by: v.by.slice(0, 200) } : {};
}
