// Durations as operators write them (`90s`, `1m30s`, `500ms`, `2h`), in milliseconds.
// Shared by compose, moor.yaml and agent.yaml parsing.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/** Parses `1m30s`, `10s`, `500ms`, `2h`; a bare number is seconds. Returns null when malformed. */
export function parseDuration(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input * 1000) : null;
  const text = input.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (text === '') return null;
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = PART.exec(text); m; m = PART.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    end = PART.lastIndex;
  }
  if (end !== text.length || !Number.isFinite(total)) return null;
  return Math.round(total);
}

export const DURATION_HINT = 'expected a duration like 90s, 1m30s, 500ms or 2h';
