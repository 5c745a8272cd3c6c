// `.moor-recipients.yaml` at the root of a fleet checkout: for every encrypted file, the selector
// it was encrypted for and the recipients it holds. An age header does not say which recipient a
// stanza belongs to, so this record is what lets `check` tell who can decrypt, without a key.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { RecipientsError } from './errors.js';

export const MANIFEST_FILE = '.moor-recipients.yaml';

const entrySchema = z.strictObject({
  to: z.string(),
  recipients: z.array(z.string()),
});
const manifestSchema = z.strictObject({
  /** Recipients every file is also encrypted to: the people who may read and rekey secrets. */
  admins: z.array(z.string()).optional(),
  files: z.record(z.string(), entrySchema).optional(),
});

export type ManifestEntry = z.infer<typeof entrySchema>;
export interface RecipientsManifest {
  admins: string[];
  files: Record<string, ManifestEntry>;
}

export async function readManifest(repo: string): Promise<RecipientsManifest> {
  let text: string;
  try {
    text = await readFile(join(repo, MANIFEST_FILE), 'utf8');
  } catch {
    return { admins: [], files: {} };
  }
  const parsed = manifestSchema.safeParse(parse(text) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RecipientsError(`${MANIFEST_FILE}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return { admins: parsed.data.admins ?? [], files: parsed.data.files ?? {} };
}

export async function writeManifest(repo: string, manifest: RecipientsManifest): Promise<void> {
  const files = Object.fromEntries(Object.entries(manifest.files).sort(([a], [b]) => a.localeCompare(b)));
  const body = { ...(manifest.admins.length > 0 ? { admins: manifest.admins } : {}), files };
  const header = '# Written by `moor secrets encrypt` and `moor secrets rekey`: who each encrypted file is for.\n';
  await writeFile(join(repo, MANIFEST_FILE), header + stringify(body));
}
