// Stable hashing of plain data: key-sorted JSON and sha256, so that two specs that mean the
// same thing hash the same whatever order their maps were written in.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level; `undefined` members are dropped like JSON does. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hash of a spec: sha256 of its stable JSON without its own `hash` field. */
export function specHash(spec: object): string {
  const { hash: _ignored, ...rest } = spec as Record<string, unknown>;
  return sha256Hex(stableStringify(rest));
}
