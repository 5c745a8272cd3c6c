// Byte sizes as compose writes them (`512m`, `1g`, `100k`, `1024b`, `1.5gb`), in bytes.

const UNIT_BYTES: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A bare number is bytes. Returns null when malformed. */
export function parseByteSize(input: string | number): number | null {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : null;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt])?(?:i?b)?$/i.exec(input.trim());
  if (!m) return null;
  const unit = (m[2] ?? 'b').toLowerCase();
  const bytes = Number(m[1]) * (UNIT_BYTES[unit] ?? Number.NaN);
  return Number.isFinite(bytes) ? Math.floor(bytes) : null;
}

export const BYTE_SIZE_HINT = 'expected a size like 512m, 1g, 100k or a number of bytes';
