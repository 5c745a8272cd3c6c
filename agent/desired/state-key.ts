// The key a stored desired state is valid under (agent/reconciler/stored-desired.ts): the build of
// moor's loader and the settings the load depends on. Another key means the commit is loaded again,
// so that a change of moor's normalisation or of the host's policy never reads an old file.

import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED, bundleFile } from '../bundled.js';
import { BUILD, VERSION } from '../version.js';
import type { PolicySettings } from './policy-settings.js';

/** Raise when the stored form changes in a way a version alone would not tell. */
const STORED_FORMAT = 1;

export interface StateKeyInputs {
  policy: PolicySettings;
  projectsDir: string;
  /** Where compose secrets are placed: the mounts of a stored state name it. */
  secretsDir: string;
}

/** A change of moor's code (or of the settings a load depends on) changes the key. */
export function desiredStateKey(inputs: StateKeyInputs): string {
  const what = JSON.stringify({ format: STORED_FORMAT, version: VERSION, code: codeIdentity(), policy: inputs.policy, projectsDir: inputs.projectsDir, secretsDir: inputs.secretsDir });
  return createHash('sha256').update(what).digest('hex');
}

/**
 * A packaged binary names its commit (BUILD); one built outside git or from a tree with local
 * changes is told by its executable file, and a build from source ('dev') by its compiled files
 * (the node build: its bundle, build/moor.cjs):
 * rebuilding moor in place invalidates stored states.
 */
function codeIdentity(): string {
  if (BUILD === 'dev') return fingerprint(compiledFiles);
  if (BUILD === 'unknown' || BUILD.endsWith('-dirty')) return fingerprint(() => [process.execPath]);
  return BUILD;
}

function compiledFiles(): string[] {
  if (BUNDLED) return [bundleFile()];
  const agentDir = dirname(dirname(fileURLToPath(import.meta.url)));
  return readdirSync(agentDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Paths, sizes and times of the files; when they cannot be read, a key of this run alone: nothing old is read. */
function fingerprint(files: () => string[]): string {
  try {
    const hash = createHash('sha256');
    for (const path of files()) {
      const info = statSync(path);
      hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
    }
    return hash.digest('hex');
  } catch {
    return randomBytes(16).toString('hex');
  }
}
