// A service's environment (env_file, then environment) and healthcheck, with compose's
// semantics: an entry without a value takes it from .env or is left out; a healthcheck
// keeps what the image sets for every field it does not name (0 and [] mean "the image's").
import type { ServiceInput } from './schema.js';
import type { Report, ServiceContext } from './service-context.js';
import * as syntax from './syntax.js';
import { DURATION_HINT, parseDuration } from '../../config-text/duration.js';
import { isRecord } from './interpolate.js';
import type { HealthcheckSpec } from '../model.js';
import type { KeyPath } from '../../config-text/problems.js';
import { normaliseRelative } from '../../config-text/safe-path.js';

const SECRET_KEY = /(pass|secret|token|key|credential|auth)/i;
/** The engine refuses `=` in a name, and a name with spaces or controls is a mistake the engine does not catch. */
const ENV_NAME = /^[^=\s\0]+$/;

export function environment(
  input: ServiceInput,
  ctx: ServiceContext,
  report: { problem: Report; warning: Report },
): { env: Record<string, string>; secretEnv: string[] } {
  const env: Record<string, string> = {};
  const fromFile = new Set<string>();
  for (const { file, at: index } of envFileEntries(input.env_file)) {
    const at: KeyPath = ['env_file', ...index];
    const rel = normaliseRelative(file);
    if ('error' in rel) {
      report.problem(at, rel.error);
      continue;
    }
    const vars = ctx.envFiles.get(rel.path);
    // null: load.ts could not read it and has said why.
    if (vars === undefined) report.problem(at, `env_file "${file}" was not found in the config dir`);
    for (const [k, v] of Object.entries(vars ?? {})) {
      env[k] = v;
      fromFile.add(k);
    }
  }
  const explicit = stringMap(input.environment, ['environment'], report.problem, (key, at) => {
    const value = ctx.envVars[key];
    if (value === undefined) report.warning(at, `${key} has no value and is not set in .env: left out, as compose does`);
    return value;
  });
  for (const [k, v] of Object.entries(explicit)) {
    env[k] = v;
    fromFile.delete(k);
  }
  for (const key of Object.keys(env)) {
    if (!ENV_NAME.test(key)) report.problem(['environment'], `"${key}" is not a valid variable name (no spaces, no =)`);
  }
  const secretEnv = Object.keys(env).filter((k) => fromFile.has(k) || SECRET_KEY.test(k));
  return { env: syntax.sortedRecord(env), secretEnv: syntax.sortedSet(secretEnv) };
}

/**
 * Map or `KEY=VALUE` list -> sorted record. `fallback` supplies values written without one
 * (undefined: the key is left out); without it such an entry is an error.
 */
export function stringMap(
  input: Record<string, string | null> | string[] | undefined,
  path: KeyPath,
  report: Report,
  fallback?: (key: string, at: KeyPath) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  const resolve = (key: string, value: string | null, at: KeyPath): void => {
    if (value !== null) out[key] = value;
    else if (fallback) {
      const v = fallback(key, at);
      if (v !== undefined) out[key] = v;
    } else report(at, `${key} has no value`);
  };
  if (Array.isArray(input)) {
    input.forEach((item, i) => {
      const eq = item.indexOf('=');
      resolve(eq < 0 ? item : item.slice(0, eq), eq < 0 ? null : item.slice(eq + 1), [...path, i]);
    });
  } else if (input) {
    for (const [key, value] of Object.entries(input)) resolve(key, value, [...path, key]);
  }
  return syntax.sortedRecord(out);
}

export function healthcheckOf(input: ServiceInput['healthcheck'], report: Report): HealthcheckSpec | null {
  if (input === undefined) return null;
  const none = { test: ['NONE'], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0, startIntervalMs: 0 };
  if (input.disable === true) return none;
  let test: string[] = [];
  if (typeof input.test === 'string') test = input.test === '' ? [] : ['CMD-SHELL', input.test];
  else if (input.test !== undefined) test = input.test;
  // No test: the image's test is kept and only the timings given here change (compose sends the same).
  if (test.length > 0 && (!['CMD', 'CMD-SHELL', 'NONE'].includes(test[0] ?? '') || (test[0] !== 'NONE' && test.length < 2))) {
    report(['healthcheck', 'test'], 'expected a command string, or a list starting with CMD, CMD-SHELL or NONE');
  }
  if (test[0] === 'NONE') return none;
  const ms = (key: 'interval' | 'timeout' | 'start_period' | 'start_interval'): number => {
    const raw = input[key];
    if (raw === undefined) return 0;
    const value = parseDuration(raw);
    if (value === null) report(['healthcheck', key], DURATION_HINT);
    return value ?? 0;
  };
  const spec: HealthcheckSpec = {
    test,
    intervalMs: ms('interval'),
    timeoutMs: ms('timeout'),
    retries: input.retries ?? 0,
    startPeriodMs: ms('start_period'),
    startIntervalMs: ms('start_interval'),
  };
  const nothing = test.length === 0 && spec.intervalMs === 0 && spec.timeoutMs === 0 && spec.retries === 0 && spec.startPeriodMs === 0 && spec.startIntervalMs === 0;
  return nothing ? null : spec;
}

/** An env_file entry in either syntax: `FILE`, or `{ path: FILE, required: false }`. */
export function envFileEntries(raw: unknown): { file: string; required: boolean; at: number[] }[] {
  const list = typeof raw === 'string' || isRecord(raw) ? [raw] : Array.isArray(raw) ? raw : [];
  const single = !Array.isArray(raw);
  return list.flatMap((item, i) => {
    const at = single ? [] : [i];
    if (typeof item === 'string') return [{ file: item, required: true, at }];
    if (isRecord(item) && typeof item.path === 'string') return [{ file: item.path, required: item.required !== false && item.required !== 'false', at }];
    return [];
  });
}
