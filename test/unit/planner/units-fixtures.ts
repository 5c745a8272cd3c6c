// Builders of unit and file specs and what the host reports of them, for the unit and file
// planner tests: hashes computed the way the parser and the adapters compute them.

import { specHash } from '../../../agent/desired/hash.js';
import type { FileSpec, UnitSpec } from '../../../agent/desired/model.js';
import { unitFilesHash } from '../../../agent/desired/unit-hash.js';
import type { ObservedFile, ObservedUnit } from '../../../agent/contracts/observed.js';
import { fileContentHash } from '../../../agent/planner/files.js';

export function unit(name: string, over: Partial<UnitSpec> = {}): UnitSpec {
  const u: UnitSpec = {
    name,
    content: `[Service]\nExecStart=/bin/sleep infinity\n`,
    dropIns: {},
    enabled: true,
    state: 'running',
    mask: false,
    onChange: 'restart',
    hash: '',
    ...over,
  };
  return { ...u, hash: specHash(u) };
}

/** A unit as systemd reports it once moor installed `spec` and it runs. */
export function installed(spec: UnitSpec, over: Partial<ObservedUnit> = {}): ObservedUnit {
  const files = spec.content !== null || Object.keys(spec.dropIns).length > 0;
  return {
    name: spec.name,
    fileHash: files ? unitFilesHash(spec.content, spec.dropIns) : null,
    enabled: spec.enabled ?? false,
    masked: spec.mask,
    active: spec.state === 'stopped' || spec.mask ? 'inactive' : 'active',
    ...over,
  };
}

export function file(path: string, content: string, over: Partial<FileSpec> = {}): FileSpec {
  const f: FileSpec = {
    path,
    source: `files${path.slice(path.lastIndexOf('/'))}`,
    contentBase64: Buffer.from(content).toString('base64'),
    mode: 0o644,
    owner: null,
    group: null,
    restarts: [],
    hash: '',
    ...over,
  };
  return { ...f, hash: specHash(f) };
}

export function onDisk(spec: FileSpec, over: Partial<ObservedFile> = {}): ObservedFile {
  return { path: spec.path, hash: fileContentHash(spec), mode: spec.mode, ...over };
}
