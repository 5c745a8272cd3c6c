// The host's age identity and change-detection key, kept in the state dir (0600) and created on
// first use. The private key never leaves the host: only the recipient is printed or reported.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdentityError } from './errors.js';
import { keyedHash, type KeyedHash } from './keyed-hash.js';
import { generateX25519Identity, x25519Recipient } from './x25519-recipient.js';

export const IDENTITY_FILE = 'age-identity.txt';
export const HASH_KEY_FILE = 'secrets-hash.key';

export interface HostIdentity {
  /** `age1...`, what the fleet encrypts to. */
  recipient: string;
  /** `AGE-SECRET-KEY-1...`. */
  identity: string;
  /** HMAC of a clear text under the host-local key. */
  hash: KeyedHash;
  /** Where the identity is, for `age -d -i FILE`. */
  file: string;
}

const isErrno = (err: unknown, code: string): boolean => err instanceof Error && (err as NodeJS.ErrnoException).code === code;

/** Reads the identity of the state dir, creating it (and the hash key) when it is not there yet. */
export async function ensureIdentity(stateDir: string, options: { create: boolean } = { create: true }): Promise<{ identity: HostIdentity; created: boolean }> {
  const file = join(stateDir, IDENTITY_FILE);
  let created = false;
  let text = await readSecretFile(file);
  if (text === null) {
    if (!options.create) throw new IdentityError(`no age identity in ${stateDir}: run \`moor secrets init\``);
    const secret = generateX25519Identity();
    const recipient = x25519Recipient(secret);
    // The same layout age-keygen writes, so that `age -d -i` reads it too.
    const body = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${secret}\n`;
    created = await writeExclusive(stateDir, file, body);
    text = created ? body : await readSecretFile(file);
  }
  const identity = (text ?? '').split('\n').map((l) => l.trim()).find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!identity) throw new IdentityError(`${file} holds no AGE-SECRET-KEY line`);
  const key = await ensureHashKey(stateDir);
  return { identity: { recipient: await recipientOf(identity), identity, hash: keyedHash(key), file }, created };
}

/** node:crypto for the X25519 identities moor creates; the age library for any other kind. */
async function recipientOf(identity: string): Promise<string> {
  try {
    return x25519Recipient(identity);
  } catch {
    return (await import('age-encryption')).identityToRecipient(identity);
  }
}

async function ensureHashKey(stateDir: string): Promise<Buffer> {
  const file = join(stateDir, HASH_KEY_FILE);
  const existing = await readSecretFile(file);
  if (existing !== null) return Buffer.from(existing.trim(), 'hex');
  const key = randomBytes(32).toString('hex');
  if (await writeExclusive(stateDir, file, `${key}\n`)) return Buffer.from(key, 'hex');
  return Buffer.from(((await readSecretFile(file)) ?? '').trim(), 'hex');
}

async function readSecretFile(file: string): Promise<string | null> {
  try {
    const info = await stat(file);
    // A key others can read is no longer the host's alone; tighten it rather than refuse to start.
    if ((info.mode & 0o077) !== 0) await chmod(file, 0o600);
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw new IdentityError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Creates the file 0600 unless it exists (a concurrent first start); true when this call wrote it. */
async function writeExclusive(stateDir: string, file: string, body: string): Promise<boolean> {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeFile(file, body, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw new IdentityError(`cannot create ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
