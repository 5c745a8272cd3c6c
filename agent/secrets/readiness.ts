// What `moor doctor` says about secrets: does the host have its age identity, and is the secrets
// dir (or the nearest folder above it that exists) on a tmpfs.
import { readFile, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { IDENTITY_FILE } from './identity.js';

const TMPFS_MAGIC = 0x01021994;

export interface Readiness {
  level: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

export async function secretsReadiness(options: { stateDir: string; secretsDir: string }): Promise<Readiness> {
  const text = await readFile(join(options.stateDir, IDENTITY_FILE), 'utf8').catch(() => null);
  const key = text?.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))?.trim();
  const recipient = key ? await (await import('age-encryption')).identityToRecipient(key).catch(() => null) : null;
  let dir = options.secretsDir;
  let fsType: number | null = null;
  for (;;) {
    fsType = await statfs(dir).then((s) => s.type, () => null);
    if (fsType !== null || dirname(dir) === dir) break;
    dir = dirname(dir);
  }
  if (fsType !== TMPFS_MAGIC) {
    return { level: 'warn', detail: `${options.secretsDir} is not on a tmpfs: compose secrets from .age files will be refused`, fix: 'mount a tmpfs there, or set secretsDir in agent.yaml to a folder on one' };
  }
  if (!recipient) {
    return { level: 'warn', detail: `no age identity in ${options.stateDir} yet`, fix: 'the agent creates it on first start; or run `moor secrets init`' };
  }
  return { level: 'ok', detail: `age recipient ${recipient}; decrypted secrets on the tmpfs at ${options.secretsDir}` };
}
