// What changes on a host when its branch moves from one tree to another, said the way
// `moor plan` says it (field by field, secrets redacted), in short lines that can be counted
// across hosts ("telegraf env INFLUX_URL changed"). Pure.

import type { DesiredState } from '../agent/desired/model.js';
import { diffContainerSpecs, sameValue } from '../agent/desired/spec-diff.js';

export interface HostChange {
  /** Short, value-free line shared by every host with the same change. */
  summary: string;
  /** The same with values (redacted where secret). */
  detail: string;
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  return new Map(items.map((i) => [key(i), i]));
}

function setChanges<T>(kind: string, from: readonly T[], to: readonly T[], key: (t: T) => string, describe: (a: T, b: T) => HostChange[]): HostChange[] {
  const a = byKey(from, key);
  const b = byKey(to, key);
  const out: HostChange[] = [];
  for (const [k, v] of b) {
    const old = a.get(k);
    if (!old) out.push({ summary: `new ${kind} ${k}`, detail: `new ${kind} ${k}` });
    else out.push(...describe(old, v));
  }
  for (const k of a.keys()) if (!b.has(k)) out.push({ summary: `${kind} ${k} removed`, detail: `${kind} ${k} removed` });
  return out;
}

function fieldsOf(a: object, b: object, ignore: ReadonlySet<string>): string[] {
  const ra = new Map<string, unknown>(Object.entries(a));
  const rb = new Map<string, unknown>(Object.entries(b));
  return [...new Set([...ra.keys(), ...rb.keys()])].filter((k) => !ignore.has(k) && !sameValue(ra.get(k), rb.get(k))).sort();
}

const HASH = new Set(['hash']);

export function diffDesired(from: DesiredState, to: DesiredState): HostChange[] {
  const out: HostChange[] = [];
  out.push(
    ...setChanges('service', from.containers, to.containers, (c) => c.service, (a, b) =>
      diffContainerSpecs(a, b).map((f) => {
        const field = f.field.replace('.', ' ');
        return { summary: `${b.service} ${field} changed`, detail: `${b.service} ${field}: ${f.from ?? '(unset)'} -> ${f.to ?? '(unset)'}` };
      }),
    ),
  );
  const simple = <T extends object>(kind: string, a: readonly T[], b: readonly T[], key: (t: T) => string, ignore = HASH): void => {
    out.push(...setChanges(kind, a, b, key, (x, y) => fieldsOf(x, y, ignore).map((f) => ({ summary: `${kind} ${key(y)} ${f} changed`, detail: `${kind} ${key(y)} ${f} changed` }))));
  };
  simple('network', from.networks, to.networks, (n) => n.name);
  simple('volume', from.volumes, to.volumes, (v) => v.name);
  simple('unit', from.units, to.units, (u) => u.name);
  simple('file', from.files, to.files, (f) => f.path, new Set(['hash', 'contentBase64']));
  for (const f of to.files) {
    const old = from.files.find((o) => o.path === f.path);
    if (old && old.contentBase64 !== f.contentBase64) out.push({ summary: `file ${f.path} content changed`, detail: `file ${f.path} content changed` });
  }
  if (!sameValue(from.rollout, to.rollout)) out.push({ summary: 'rollout settings changed', detail: `rollout: ${JSON.stringify(from.rollout)} -> ${JSON.stringify(to.rollout)}` });
  if (!sameValue(from.window, to.window)) out.push({ summary: 'maintenance window changed', detail: `window: ${JSON.stringify(from.window)} -> ${JSON.stringify(to.window)}` });
  return out;
}

/** "37 hosts: telegraf env INFLUX_URL changed", most common first. */
export function summarise(perHost: ReadonlyMap<string, readonly HostChange[]>): { count: number; summary: string; hosts: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const [host, changes] of perHost) {
    for (const s of new Set(changes.map((c) => c.summary))) groups.set(s, [...(groups.get(s) ?? []), host]);
  }
  return [...groups.entries()]
    .map(([summary, hosts]) => ({ count: hosts.length, summary, hosts: hosts.sort() }))
    .sort((a, b) => b.count - a.count || (a.summary < b.summary ? -1 : 1));
}

export function formatSummary(lines: ReturnType<typeof summarise>): string {
  return lines.map((l) => `${l.count} host${l.count === 1 ? '' : 's'}: ${l.summary}`).join('; ');
}
