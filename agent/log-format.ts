// Log lines for people: on a terminal the agent prints `12:04:05 INFO  reconciler: converged
// commit=ab12… changes=2` instead of pino's JSON (kept for the journal and pipes).

import { writeSync } from 'node:fs';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'component', 'pid', 'hostname']);

/** One pino JSON line as one human line; a line that is not JSON is returned as it came. */
export function formatLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line.replace(/\n$/, '');
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return line.replace(/\n$/, '');
  const e = entry as Record<string, unknown>;
  const time = typeof e['time'] === 'string' ? e['time'].slice(11, 19) : '';
  const level = (typeof e['level'] === 'number' ? LEVELS[e['level']] : undefined) ?? String(e['level'] ?? '');
  const component = typeof e['component'] === 'string' ? `${e['component']}: ` : '';
  const fields = Object.entries(e)
    .filter(([k]) => !OWN_FIELDS.has(k))
    .map(([k, v]) => `${k}=${renderValue(v)}`);
  return [time, level.padEnd(5), `${component}${String(e['msg'] ?? '')}`, ...fields].filter((p) => p !== '').join(' ');
}

function renderValue(v: unknown): string {
  if (typeof v === 'string') return /^[\w./:@+-]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  if (typeof v === 'object' && v !== null && 'message' in v && typeof v.message === 'string') return JSON.stringify(v.message);
  return JSON.stringify(v) ?? String(v);
}

/** A pino destination that writes formatted lines to a file descriptor, synchronously. */
export function prettyDestination(fd: number): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      const out = chunk
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => `${formatLogLine(l)}\n`)
        .join('');
      writeSync(fd, out);
      return true;
    },
  };
}
