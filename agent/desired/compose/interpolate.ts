// Compose-style interpolation of string values: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?message}, ${VAR?message}, ${VAR:+alt}, ${VAR+alt} and $$, with compose-go's rules:
// a `$` not followed by a name, `{` or `$` stays literal, and an unset variable is blank with
// a warning (an error under policy.strictInterpolation). Values come only from the config
// dir's .env, never from the agent's environment: the commit decides what a host runs.
import type { KeyPath } from '../../config-text/problems.js';

export class InterpolationError extends Error {}

/** How deep `${A:-${B:-...}}` may nest: bounded so that no input can exhaust the stack. */
export const MAX_INTERPOLATION_DEPTH = 32;

export interface InterpolateOptions {
  /** An unset variable without a default is an error rather than a blank. */
  strict?: boolean;
  /** Called once per use of an unset variable that became a blank. */
  onUnset?: (name: string) => void;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Interpolates one string; throws InterpolationError with a message fit for the operator. */
export function interpolate(text: string, vars: Readonly<Record<string, string>>, options: InterpolateOptions = {}): string {
  const depth = braceDepth(text);
  if (depth > MAX_INTERPOLATION_DEPTH) {
    throw new InterpolationError(`variables nested ${depth} deep (at most ${MAX_INTERPOLATION_DEPTH})`);
  }
  return expand(text, vars, options);
}

/** The deepest `${` nesting of a string, counted without recursion. */
function braceDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') {
      max = Math.max(max, ++depth);
      i++;
    } else if (text[i] === '}' && depth > 0) depth--;
  }
  return max;
}

// Recursion here is bounded by MAX_INTERPOLATION_DEPTH, checked before the first call.
function expand(text: string, vars: Readonly<Record<string, string>>, options: InterpolateOptions): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = matchingBrace(text, i + 1);
      if (end < 0) throw new InterpolationError(`unterminated "\${" in "${text}"`);
      out += expandBraced(text.slice(i + 2, end), vars, options);
      i = end + 1;
    } else {
      // compose-go leaves a `$` that starts no name as it is (`$2a$14$...` in a bcrypt hash).
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (!name) {
        out += '$';
        i++;
        continue;
      }
      out += lookup(name, vars, options);
      i += 1 + name.length;
    }
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expandBraced(inner: string, vars: Readonly<Record<string, string>>, options: InterpolateOptions): string {
  const name = NAME.exec(inner)?.[0];
  if (!name) throw new InterpolationError(`invalid variable "\${${inner}}"`);
  const rest = inner.slice(name.length);
  if (rest === '') return lookup(name, vars, options);
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new InterpolationError(`invalid variable "\${${inner}}"`);
  const arg = rest.slice(op.length);
  const value = vars[name];
  const set = value !== undefined;
  const present = op.startsWith(':') ? set && value !== '' : set;
  switch (op.replace(':', '')) {
    case '-':
      return present ? (value ?? '') : expand(arg, vars, options);
    case '+':
      return present ? expand(arg, vars, options) : '';
    default:
      if (present) return value ?? '';
      throw new InterpolationError(`required variable ${name} is ${set ? 'empty' : 'not set'}${arg ? `: ${expand(arg, vars, options)}` : ''}`);
  }
}

function lookup(name: string, vars: Readonly<Record<string, string>>, options: InterpolateOptions): string {
  const value = vars[name];
  if (value !== undefined) return value;
  if (options.strict) {
    throw new InterpolationError(`variable ${name} is not set in .env (policy.strictInterpolation; give a default with \${${name}:-value})`);
  }
  options.onUnset?.(name);
  return '';
}

export type Warn = (path: KeyPath, message: string) => void;

/** What interpolateTree reports: problems (the value is kept unchanged) and warnings. */
export interface TreeReport {
  problem: (path: KeyPath, message: string) => void;
  warning: Warn;
}

/**
 * Interpolates every string value of a parsed YAML tree (keys are left alone). Each failure
 * is reported with its key path and the value is kept unchanged.
 */
export function interpolateTree(
  value: unknown,
  vars: Readonly<Record<string, string>>,
  report: TreeReport,
  strict: boolean,
  path: KeyPath = [],
): unknown {
  if (typeof value === 'string') {
    try {
      const onUnset = (name: string): void => report.warning(path, `variable ${name} is not set in .env; using a blank string`);
      return interpolate(value, vars, { strict, onUnset });
    } catch (err) {
      if (err instanceof InterpolationError) {
        report.problem(path, err.message);
        return value;
      }
      throw err;
    }
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateTree(item, vars, report, strict, [...path, i]));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, vars, report, strict, [...path, k]);
    return out;
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
