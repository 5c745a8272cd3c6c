// Field-by-field explanation of why two container specs differ, secret env values redacted. Pure: the planner says with it why a container is replaced, the fleet
// layer why a rendered host changes.

import type { FieldChange } from '../contracts/changes.js';
import type { ContainerSpec } from './model.js';
import { REDACTED } from './secrets.js';

/** Fields that are bookkeeping, not part of what the container is. */
const IGNORED: ReadonlySet<string> = new Set(['hash', 'secretEnv']);

export function diffContainerSpecs(from: ContainerSpec, to: ContainerSpec): FieldChange[] {
  const secret = new Set([...from.secretEnv, ...to.secretEnv]);
  const changes: FieldChange[] = [];
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  for (const key of keys) {
    if (IGNORED.has(key)) continue;
    const a = (from as unknown as Record<string, unknown>)[key];
    const b = (to as unknown as Record<string, unknown>)[key];
    if (sameValue(a, b)) continue;
    if ((key === 'env' || key === 'labels') && isStringMap(a) && isStringMap(b)) {
      changes.push(...diffMaps(key, a, b, key === 'env' ? secret : new Set()));
    } else if (key === 'mountContent') {
      // Content of the commit a bind mounts: named by its path, "file config/mosquitto.conf".
      const asMap = (v: unknown): Record<string, string> => (isStringMap(v) ? v : {});
      changes.push(...diffMaps('mountContent', asMap(a), asMap(b), new Set()).map((c) => ({ ...c, field: `file ${c.field.slice('mountContent.'.length)}` })));
    } else {
      changes.push({ field: key, from: render(a), to: render(b) });
    }
  }
  // The record of an applied spec holds secret env values as (redacted) (issue 13), so they
  // cannot be compared; when nothing else differs, the (keyed) hash says a secret value did.
  if (changes.length === 0 && secret.size > 0) changes.push({ field: 'env', from: REDACTED, to: REDACTED });
  return changes;
}

function diffMaps(
  prefix: string,
  a: Record<string, string>,
  b: Record<string, string>,
  secret: ReadonlySet<string>,
): FieldChange[] {
  const out: FieldChange[] = [];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const va = a[key];
    const vb = b[key];
    if (va === vb) continue;
    const hide = secret.has(key);
    if (hide && va !== undefined && vb !== undefined && (va === REDACTED || vb === REDACTED)) continue;
    out.push({
      field: `${prefix}.${key}`,
      from: va === undefined ? null : hide ? REDACTED : va,
      to: vb === undefined ? null : hide ? REDACTED : vb,
    });
  }
  return out;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
    }
    return value;
  }) ?? 'undefined';
}

export function render(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return canonical(v);
}
