// The key a stored desired state is valid under (agent/reconciler/stored-desired.ts): the build of
// moor's loader and the settings the load depends on. Another key means the commit is loaded again,
// so that a change of moor's normalisation or of the host's policy never reads an old file.

import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/**
 * A packaged build names itself (BUILD); a build from source ('dev') is told apart by its
 * compiled files' sizes and times, so that rebuilding moor in place invalidates stored states.
 */
export function desiredStateKey(inputs: StateKeyInputs): string {
  const code = BUILD === 'dev' ? sourceBuildFingerprint() : BUILD;
  const what = JSON.stringify({ format: STORED_FORMAT, version: VERSION, code, policy: inputs.policy, projectsDir: inputs.projectsDir, secretsDir: inputs.secretsDir });
  return createHash('sha256').update(what).digest('hex');
}

/** When the build cannot be told (no file tree to read), a key of this run alone: nothing old is read. */
function sourceBuildFingerprint(): string {
  try {
    const agentDir = dirname(dirname(fileURLToPath(import.meta.url)));
    const files = readdirSync(agentDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
    const hash = createHash('sha256');
    for (const path of files) {
      const info = statSync(path);
      hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
    }
    return hash.digest('hex');
  } catch {
    return randomBytes(16).toString('hex');
  }
}
