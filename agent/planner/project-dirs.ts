// Plans each compose project's directory: the commit's files placed (new, changed in the commit,
// changed or removed on disk), files the commit no longer holds removed, data directories created
// once. Pure: no I/O, no clock.

import type { DesiredState, ProjectDirSpec, ProjectFileSpec } from '../desired/model.js';
import type { ObservedProjectDir, ObservedState } from '../contracts/observed.js';
import type { PlanBuilder } from './builder.js';
import type { FieldChange } from './steps.js';
import { byCodeUnits } from './order.js';

const short = (hash: string | null | undefined): string | null => (hash ? `sha256:${hash.slice(0, 12)}` : null);

/**
 * Adds the steps of every project directory; returns, by project, the ids of the steps its
 * containers must wait for (everything they bind is in place).
 */
export function planProjectDirs(desired: DesiredState, observed: ObservedState, b: PlanBuilder): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const seen = new Map((observed.projectDirs ?? []).map((d) => [d.dir, d]));
  for (const spec of desired.projectDirs ?? []) {
    const ids = planOne(spec, seen.get(spec.dir), b);
    if (ids.length > 0) out.set(spec.project, ids);
  }
  return out;
}

function planOne(spec: ProjectDirSpec, now: ObservedProjectDir | undefined, b: PlanBuilder): string[] {
  const placed = now?.placed ?? {};
  const onDisk = now?.onDisk ?? {};
  const wanted = new Map(spec.files.map((f) => [f.rel, f]));
  const ids: string[] = [];

  // Recorded before anything is written: a placement cut short by a crash is still known as
  // moor's, and removed if a later commit no longer holds it.
  const added = spec.files.filter((f) => !(f.rel in placed));
  const before = added.length > 0
    ? b.add({ kind: 'recordProjectFiles', resource: `file/${spec.dir}`, dir: spec.dir, files: sortedRecord({ ...placed, ...Object.fromEntries(added.map((f) => [f.rel, ''])) }) })
    : undefined;

  for (const file of spec.files) {
    const disk = onDisk[file.rel] ?? null;
    if (disk === file.hash) continue;
    explainFile(spec.dir, file, disk, placed[file.rel], b);
    ids.push(b.add({ kind: 'placeProjectFile', resource: `file/${spec.dir}/${file.rel}`, dir: spec.dir, file }, [before]));
  }
  const removals: string[] = [];
  for (const rel of Object.keys(placed).sort()) {
    if (wanted.has(rel) || (onDisk[rel] ?? null) === null) continue;
    b.explain({ kind: 'file', name: `${spec.dir}/${rel}`, action: 'remove', why: 'no longer in the commit', fields: [], drift: false });
    removals.push(b.add({ kind: 'removeProjectFile', resource: `file/${spec.dir}/${rel}`, dir: spec.dir, rel }, [before]));
  }
  const existing = new Set(now?.dataDirs ?? []);
  for (const rel of spec.dataDirs) {
    if (existing.has(rel)) continue;
    b.explain({ kind: 'file', name: `${spec.dir}/${rel}`, action: 'create', why: 'data directory (a bind source the commit does not hold)', fields: [], drift: false });
    ids.push(b.add({ kind: 'createDataDir', resource: `file/${spec.dir}/${rel}`, dir: spec.dir, rel }, [before]));
  }

  const final = sortedRecord(Object.fromEntries(spec.files.map((f) => [f.rel, f.hash])));
  if (JSON.stringify(final) !== JSON.stringify(sortedRecord(placed))) {
    b.add({ kind: 'recordProjectFiles', resource: `file/${spec.dir}`, dir: spec.dir, files: final }, [before, ...ids, ...removals]);
  }
  return ids;
}

function explainFile(dir: string, file: ProjectFileSpec, disk: string | null, placed: string | undefined, b: PlanBuilder): void {
  // Placed before with this very content: whatever differs on disk was done by hand (or by a container).
  const drift = placed === file.hash;
  const fields: FieldChange[] = [{ field: 'content', from: short(disk), to: short(file.hash) }];
  const why = disk === null
    ? drift ? 'missing from the project directory (removed by hand?)' : `new in the commit (${file.rel})`
    : drift ? 'changed on disk' : `${file.rel} changed in the commit`;
  b.explain({ kind: 'file', name: `${dir}/${file.rel}`, action: disk === null ? 'create' : 'update', why, fields, drift });
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => byCodeUnits(a, b)));
}
