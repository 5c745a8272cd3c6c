// The normalised desired state of a commit, stored beside its snapshot when it is first loaded, so
// that a restarted agent and the drift check read it back instead of loading the YAML/compose loader.
// It holds decrypted secrets (env values, `.age` files): owner-only, like the snapshot folder.

import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { desiredStateSchema } from '../contracts/desired-schema.js';
import type { DesiredState } from '../desired/model.js';

const storedSchema = z.object({ key: z.string(), state: desiredStateSchema });

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
  const parsed = storedSchema.safeParse(raw);
  return parsed.success && parsed.data.key === key ? parsed.data.state : null;
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
