// Compose-style interpolation of string values: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?message}, ${VAR?message}, ${VAR:+alt}, ${VAR+alt} and $$. Values come only from the
// config dir's .env, never from the agent's environment: the commit decides what a host runs.
import type { KeyPath } from './problems.js';

export class InterpolationError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Interpolates one string; throws InterpolationError with a message fit for the operator. */
export function interpolate(text: string, vars: Readonly<Record<string, string>>): string {
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
      out += expandBraced(text.slice(i + 2, end), vars);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (!name) throw new InterpolationError(`invalid "$" in "${text}"; write "$$" for a literal dollar sign`);
      out += lookup(name, vars);
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

function expandBraced(inner: string, vars: Readonly<Record<string, string>>): string {
  const name = NAME.exec(inner)?.[0];
  if (!name) throw new InterpolationError(`invalid variable "\${${inner}}"`);
  const rest = inner.slice(name.length);
  if (rest === '') return lookup(name, vars);
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new InterpolationError(`invalid variable "\${${inner}}"`);
  const arg = rest.slice(op.length);
  const value = vars[name];
  const set = value !== undefined;
  const present = op.startsWith(':') ? set && value !== '' : set;
  switch (op.replace(':', '')) {
    case '-':
      return present ? (value ?? '') : interpolate(arg, vars);
    case '+':
      return present ? interpolate(arg, vars) : '';
    default:
      if (present) return value ?? '';
      throw new InterpolationError(`required variable ${name} is ${set ? 'empty' : 'not set'}${arg ? `: ${interpolate(arg, vars)}` : ''}`);
  }
}

function lookup(name: string, vars: Readonly<Record<string, string>>): string {
  const value = vars[name];
  if (value === undefined) {
    throw new InterpolationError(`variable ${name} is not set in .env (give a default with \${${name}:-value})`);
  }
  return value;
}

/**
 * Interpolates every string value of a parsed YAML tree (keys are left alone). Each failure
 * is reported with its key path and the value is kept unchanged.
 */
export function interpolateTree(
  value: unknown,
  vars: Readonly<Record<string, string>>,
  report: (path: KeyPath, message: string) => void,
  path: KeyPath = [],
): unknown {
  if (typeof value === 'string') {
    try {
      return interpolate(value, vars);
    } catch (err) {
      if (err instanceof InterpolationError) {
        report(path, err.message);
        return value;
      }
      throw err;
    }
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateTree(item, vars, report, [...path, i]));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, vars, report, [...path, k]);
    return out;
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
