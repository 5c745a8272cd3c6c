// Plans managed files: what to write (new, changed, changed on disk) and what to prune, and
// which units a content change must restart (`restarts:`). Pure: no I/O, no clock.

import { sha256Hex } from '../desired/hash.js';
import type { DesiredState, FileSpec } from '../desired/model.js';
import type { ObservedFile, ObservedState } from '../contracts/observed.js';
import type { PlanBuilder } from './builder.js';
import type { PlanContext } from './context.js';
import type { FieldChange } from './steps.js';
import { REDACTED } from './diff.js';
import { byCodeUnits } from './order.js';

export interface FilePlan {
  /** Ids of the write and remove steps; unit restarts wait for all of them. */
  stepIds: string[];
  /** Units to restart because a file listing them in `restarts:` gets new content, with that file's path. */
  restarts: Map<string, string>;
}

/** sha256 of the content a file spec puts on disk, as the files adapter reports it. */
export function fileContentHash(file: Pick<FileSpec, 'contentBase64'>): string {
  return sha256Hex(Buffer.from(file.contentBase64, 'base64'));
}

export function planFiles(desired: DesiredState, observed: ObservedState, ctx: PlanContext, b: PlanBuilder): FilePlan {
  const out: FilePlan = { stepIds: [], restarts: new Map() };
  const onDisk = new Map(observed.files.map((f) => [f.path, f]));
  const applied = ctx.appliedFiles ?? {};
  const wanted = [...desired.files].sort((x, y) => byCodeUnits(x.path, y.path));

  for (const file of wanted) {
    const now = onDisk.get(file.path);
    const decision = decide(file, now, applied[file.path]);
    if (!decision) continue;
    const resource = `file/${file.path}`;
    b.explain({ kind: 'file', name: file.path, action: decision.action, why: decision.why, fields: decision.fields, drift: decision.drift });
    out.stepIds.push(b.add({ kind: 'writeFile', resource, file }));
    if (decision.contentChanged) for (const unit of file.restarts) if (!out.restarts.has(unit)) out.restarts.set(unit, file.path);
  }

  if (ctx.prune) {
    const declared = new Set(wanted.map((f) => f.path));
    for (const path of Object.keys(applied).sort()) {
      if (declared.has(path)) continue;
      // Only a file moor wrote (recorded) and that is still there is removed.
      if ((onDisk.get(path)?.hash ?? null) === null) continue;
      b.explain({ kind: 'file', name: path, action: 'remove', why: 'no longer declared', fields: [], drift: false });
      out.stepIds.push(b.add({ kind: 'removeFile', resource: `file/${path}`, path }));
    }
  }
  return out;
}

interface FileDecision {
  action: 'create' | 'update';
  why: string;
  fields: FieldChange[];
  drift: boolean;
  contentChanged: boolean;
}

function decide(file: FileSpec, now: ObservedFile | undefined, applied: FileSpec | undefined): FileDecision | null {
  const want = fileContentHash(file);
  // The commit asked for nothing new about this file: whatever differs was done by hand.
  const sameAsApplied = applied !== undefined && applied.hash === file.hash;
  const have = now?.hash ?? null;
  if (have === null) {
    return {
      action: 'create',
      why: sameAsApplied ? 'file is missing (removed by hand?)' : `new file from ${file.source}`,
      fields: [],
      drift: sameAsApplied,
      contentChanged: true,
    };
  }
  const fields: FieldChange[] = [];
  // A plain sha256 of a secret's clear text would let anyone test a guess: none is shown (issue 13).
  const shown = (hash: string): string => (file.secret === true ? REDACTED : `sha256:${hash.slice(0, 12)}`);
  if (have !== want) fields.push({ field: 'content', from: shown(have), to: shown(want) });
  if (now?.mode !== null && now?.mode !== undefined && now.mode !== file.mode) {
    fields.push({ field: 'mode', from: octal(now.mode), to: octal(file.mode) });
  }
  // A declared owner or group that differs on disk (chown by hand), or a new one in the commit.
  const ownerOff = (want: string | null, name: string | null | undefined, id: number | undefined): boolean =>
    want !== null && name !== undefined && name !== want && String(id) !== want;
  const ownerChanged = applied !== undefined && (applied.owner !== file.owner || applied.group !== file.group);
  if (ownerOff(file.owner, now?.owner, now?.uid) || ownerOff(file.group, now?.group, now?.gid) || ownerChanged) {
    const from = now?.owner !== undefined ? `${now.owner ?? '-'}:${now.group ?? '-'}` : `${applied?.owner ?? '-'}:${applied?.group ?? '-'}`;
    fields.push({ field: 'owner', from, to: `${file.owner ?? '-'}:${file.group ?? '-'}` });
  }
  if (fields.length === 0) return null;
  const contentChanged = have !== want;
  const drift = sameAsApplied;
  const what = fields.map((f) => f.field).join(', ');
  return { action: 'update', why: drift ? `${what} changed on disk` : `${what} changed`, fields, drift, contentChanged };
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}
