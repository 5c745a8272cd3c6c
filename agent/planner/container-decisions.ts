// Decides, for one declared container, whether it is created, replaced, started or kept, and
// explains why (a changed spec, a recreated network, an edit by hand, a stopped container).

import type { ContainerSpec } from '../desired/model.js';
import { LABEL, type ObservedContainer } from '../contracts/observed.js';
import { diffContainerSpecs } from './diff.js';
import type { PlanContext } from './context.js';
import type { FieldChange } from './steps.js';

export type Decision =
  | { action: 'create'; why: string; fields: FieldChange[]; drift: boolean }
  | { action: 'replace'; old: ObservedContainer; why: string; fields: FieldChange[]; drift: boolean }
  | { action: 'start'; old: ObservedContainer; why: string; drift: boolean }
  | { action: 'keep'; old: ObservedContainer };

export function decide(
  spec: ContainerSpec,
  old: ObservedContainer | undefined,
  ctx: PlanContext,
  changedNetworks: ReadonlySet<string>,
): Decision {
  const applied = ctx.appliedSpecs[spec.name];
  if (!old) {
    const wasRunning = applied?.hash === spec.hash;
    return {
      action: 'create',
      why: wasRunning ? 'container is missing (removed by hand?)' : 'new service',
      fields: [],
      drift: wasRunning,
    };
  }
  const oldHash = old.labels[LABEL.hash] ?? '';
  if (oldHash !== spec.hash) {
    const fields = applied && applied.hash === oldHash
      ? diffContainerSpecs(applied, spec)
      : [{ field: 'moor.hash', from: oldHash || null, to: spec.hash }];
    const names = fields.map((f) => (f.field.startsWith('file ') ? f.field : f.field.split('.')[0]));
    return { action: 'replace', old, why: `${[...new Set(names)].join(', ')} changed`, fields, drift: false };
  }
  const network = spec.networks.find((n) => changedNetworks.has(n));
  if (network) {
    return { action: 'replace', old, why: `network ${network} is recreated`, fields: [], drift: false };
  }
  const edited = inPlaceEdits(spec, old);
  if (edited.length > 0) {
    return { action: 'replace', old, why: 'changed by hand', fields: edited, drift: true };
  }
  if (old.state === 'running' || old.state === 'restarting' || old.state === 'paused') return { action: 'keep', old };
  if (old.state === 'removing') return { action: 'keep', old };
  if (spec.restart === 'no' && old.exitCode === 0 && old.state === 'exited') return { action: 'keep', old };
  const why = old.state === 'created' ? 'created but never started' : `${old.state} (exit code ${old.exitCode ?? '?'})`;
  return { action: 'start', old, why, drift: true };
}

/** Settings `docker update` can change without recreating the container. */
function inPlaceEdits(spec: ContainerSpec, old: ObservedContainer): FieldChange[] {
  const out: FieldChange[] = [];
  if (old.restartPolicy !== spec.restart) out.push({ field: 'restart', from: old.restartPolicy, to: spec.restart });
  if ((old.memLimitBytes ?? null) !== spec.memLimitBytes) {
    out.push({ field: 'memLimitBytes', from: String(old.memLimitBytes), to: String(spec.memLimitBytes) });
  }
  if ((old.nanoCpus ?? null) !== spec.nanoCpus) {
    out.push({ field: 'nanoCpus', from: String(old.nanoCpus), to: String(spec.nanoCpus) });
  }
  return out;
}
