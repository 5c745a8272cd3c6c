// The hash of the files of a unit (unit file and drop-ins): computed from the commit by the
// planner and from disk by the systemd adapter, so the two compare.
import { sha256Hex, stableStringify } from './hash.js';

export function unitFilesHash(content: string | null, dropIns: Readonly<Record<string, string>>): string {
  return sha256Hex(stableStringify({ content, dropIns }));
}

/** Whether the commit provides any file of this unit (else it is a unit the host already has). */
export function hasUnitFiles(unit: { content: string | null; dropIns: Readonly<Record<string, string>> }): boolean {
  return unit.content !== null || Object.keys(unit.dropIns).length > 0;
}

/**
 * What on disk compares with the commit: all of the unit's files, or only its drop-ins for a unit
 * the host already has (its own file, wherever it lives, is not moor's).
 */
export function observedUnitHash(spec: { content: string | null }, now: { fileHash: string | null; dropInHash?: string | null }): string | null {
  return spec.content === null && now.dropInHash !== undefined ? now.dropInHash : now.fileHash;
}
