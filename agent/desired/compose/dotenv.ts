// Parses `.env` and `env_file` files: KEY=VALUE lines, `export ` prefixes, comments, and
// single or double quoted values. Problems carry the line they were found on.

import { interpolate, InterpolationError } from './interpolate.js';

export interface DotenvResult {
  vars: Record<string, string>;
  /** Each assignment in file order; `literal` when single-quoted (never interpolated). */
  entries: { key: string; value: string; line: number; literal: boolean }[];
  problems: { line: number; message: string }[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

export function parseDotenv(text: string): DotenvResult {
  const vars: Record<string, string> = {};
  const entries: DotenvResult['entries'] = [];
  const problems: DotenvResult['problems'] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    let body = raw.trim();
    if (body === '' || body.startsWith('#')) return;
    if (body.startsWith('export ')) body = body.slice('export '.length).trimStart();
    const eq = body.indexOf('=');
    if (eq < 0) {
      problems.push({ line, message: `expected KEY=VALUE, found "${body}"` });
      return;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      problems.push({ line, message: `invalid variable name "${key}"` });
      return;
    }
    const written = body.slice(eq + 1).trim();
    const value = parseValue(written);
    if (value === null) problems.push({ line, message: `unterminated quoted value for ${key}` });
    else {
      vars[key] = value;
      entries.push({ key, value, line, literal: written.startsWith("'") });
    }
  });
  return { vars, entries, problems };
}

/**
 * `${VAR}` inside values, as compose expands them: against the variables assigned above in the
 * same file, then `base` (.env for an env_file). Single-quoted values stay literal.
 */
export function expandDotenv(
  parsed: DotenvResult,
  base: Readonly<Record<string, string>>,
  strict: boolean,
  report: { problem: (line: number, message: string) => void; warning: (line: number, message: string) => void },
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const { key, value, line, literal } of parsed.entries) {
    if (literal || !value.includes('$')) {
      vars[key] = value;
      continue;
    }
    try {
      const onUnset = (name: string): void => report.warning(line, `${key}: variable ${name} is not set; using a blank string`);
      vars[key] = interpolate(value, { ...base, ...vars }, { strict, onUnset });
    } catch (err) {
      if (!(err instanceof InterpolationError)) throw err;
      report.problem(line, `${key}: ${err.message}`);
      vars[key] = value;
    }
  }
  return vars;
}

function parseValue(text: string): string | null {
  const quote = text[0];
  if (quote === "'") {
    const end = text.indexOf("'", 1);
    return end < 0 ? null : text.slice(1, end);
  }
  if (quote === '"') {
    let out = '';
    for (let i = 1; i < text.length; i++) {
      const ch = text[i] ?? '';
      if (ch === '"') return out;
      if (ch === '\\' && i + 1 < text.length) {
        const next = text[++i] ?? '';
        out += ESCAPES[next] ?? `\\${next}`;
      } else {
        out += ch;
      }
    }
    return null;
  }
  // Unquoted: an inline comment starts at ` #`.
  const hash = text.search(/\s#/);
  return (hash < 0 ? text : text.slice(0, hash)).trim();
}
