// The normalised desired state of a commit, stored beside its snapshot when it is first loaded, so
// that a restarted agent and the drift check read it back instead of loading the YAML/compose loader.
// Owner-only like the snapshot folder; a state that holds the clear text of a secret is not stored.

import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { desiredStateSchema } from '../contracts/desired-schema.js';
import type { DesiredState } from '../desired/model.js';


/**
 * The stored state, or null when there is none, or it was written under another key (another
 * build of moor's loader, other load settings), or it is not readable as a DesiredState: the
 * caller then loads the commit again.
 */
export async function readStoredDesired(file: string, key: string): Promise<DesiredState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = z.object({ key: z.string(), state: desiredStateSchema() }).safeParse(raw);
  return parsed.success && parsed.data.key === key ? parsed.data.state : null;
}

/**
 * Whether the state holds a secret's clear text (values from `.env.age` or secret-named ones in
 * env, files written into containers, decrypted `files:` sources): clear text never reaches the
 * state dir (docs/secrets.md), so such a state is loaded from its commit after each start.
 * Compose secrets are only named here (their paths on the tmpfs).
 */
export function holdsSecrets(state: DesiredState): boolean {
  if ((state.secretValues ?? []).length > 0) return true;
  if (state.files.some((f) => f.secret === true)) return true;
  return state.containers.some((c) => c.secretEnv.length > 0 || c.files.length > 0);
}

/** Writes whole or not at all (a crash leaves a .tmp file that prune removes), mode 0600. */
export async function writeStoredDesired(file: string, key: string, state: DesiredState): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify({ key, state }), { mode: 0o600, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
