// Checks that a commit carries a valid signature by a trusted key: OpenPGP (openpgp) or SSH
// (SSHSIG, Ed25519). Trusted keys come from one keysFile holding both kinds.

import type * as nodeFs from 'node:fs';
import * as git from 'isomorphic-git';
import * as openpgp from 'openpgp';
import { SourceError } from '../contracts/errors.js';
import { parseSshPublicKey, parseSshSignature, sshFingerprint, verifySshSignature, type SshPublicKey } from './sshsig.js';

export interface TrustedKeys {
  pgp: openpgp.Key[];
  ssh: SshPublicKey[];
}

export interface SignatureVerdict {
  signed: boolean;
  valid: boolean;
  /** Who signed, when valid: the key's user id or comment, and its fingerprint. */
  signer: string | null;
  reason: string;
}

const PGP_BLOCK = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g;

/** Parses a keysFile: armored OpenPGP public keys and `ssh-ed25519 AAAA... comment` lines. */
export async function parseTrustedKeys(text: string): Promise<TrustedKeys> {
  const pgp: openpgp.Key[] = [];
  for (const block of text.match(PGP_BLOCK) ?? []) pgp.push(...(await openpgp.readKeys({ armoredKeys: block })));
  const ssh: SshPublicKey[] = [];
  for (const line of text.replace(PGP_BLOCK, '').split('\n')) {
    // Also accepts git's allowed_signers lines ("principal [options] ssh-ed25519 AAAA...").
    const m = /(?:^|\s)ssh-ed25519\s+([A-Za-z0-9+/=]+)(?:\s+(.*))?$/.exec(line.trim());
    if (!m?.[1]) continue;
    const principal = line.trim().split(/\s+/)[0] ?? '';
    const comment = m[2]?.trim() || (principal.startsWith('ssh-') ? '' : principal);
    const key = parseSshPublicKey(m[1], comment);
    if (key) ssh.push(key);
  }
  return { pgp, ssh };
}

export async function loadTrustedKeys(deps: { fs: typeof nodeFs }, keysFile: string): Promise<TrustedKeys> {
  try {
    return await parseTrustedKeys(await deps.fs.promises.readFile(keysFile, 'utf8'));
  } catch (err) {
    throw new SourceError('KEYS_UNREADABLE', `cannot read trusted keys from ${keysFile}`, { handling: 'fatal', cause: err });
  }
}

/**
 * Splits a raw commit object into its signature and the signed payload: the object without
 * the `gpgsig` header and its continuation lines (what git hands to gpg or ssh-keygen).
 */
export function splitSignedCommit(raw: string): { signature: string | null; payload: string } {
  const end = raw.indexOf('\n\n');
  const headerText = end < 0 ? raw : raw.slice(0, end);
  const rest = end < 0 ? '' : raw.slice(end);
  const kept: string[] = [];
  const sig: string[] = [];
  let inSig = false;
  for (const line of headerText.split('\n')) {
    if (line.startsWith('gpgsig ') || line.startsWith('gpgsig-sha256 ')) {
      inSig = true;
      sig.push(line.slice(line.indexOf(' ') + 1));
    } else if (inSig && line.startsWith(' ')) {
      sig.push(line.slice(1));
    } else {
      inSig = false;
      kept.push(line);
    }
  }
  return { signature: sig.length > 0 ? sig.join('\n') : null, payload: kept.join('\n') + rest };
}

async function verifyPgp(signature: string, payload: Buffer, trusted: TrustedKeys): Promise<SignatureVerdict> {
  const sig = await openpgp.readSignature({ armoredSignature: signature });
  const ids = sig.getSigningKeyIDs();
  const key = trusted.pgp.find((k) => ids.some((id) => k.getKeys(id).length > 0));
  if (!key) {
    return { signed: true, valid: false, signer: null, reason: `signed by an untrusted OpenPGP key ${ids.map((i) => i.toHex()).join(', ')}` };
  }
  const message = await openpgp.createMessage({ binary: payload });
  const { signatures } = await openpgp.verify({ message, signature: sig, verificationKeys: [key], format: 'binary' });
  try {
    for (const s of signatures) await s.verified;
  } catch {
    return { signed: true, valid: false, signer: null, reason: 'OpenPGP signature does not match the commit' };
  }
  if (signatures.length === 0) return { signed: true, valid: false, signer: null, reason: 'empty OpenPGP signature' };
  const uid = key.getUserIDs()[0] ?? '';
  const signer = `${uid} [${key.getFingerprint().toUpperCase()}]`.trim();
  return { signed: true, valid: true, signer, reason: `good OpenPGP signature by ${signer}` };
}

function verifySsh(signature: string, payload: Buffer, trusted: TrustedKeys): SignatureVerdict {
  const sig = parseSshSignature(signature);
  if (sig.namespace !== 'git') return { signed: true, valid: false, signer: null, reason: `SSH signature for namespace "${sig.namespace}", not "git"` };
  const key = trusted.ssh.find((k) => k.blob.equals(sig.publicKey));
  if (!key) return { signed: true, valid: false, signer: null, reason: `signed by an untrusted SSH key ${sshFingerprint(sig.publicKey)}` };
  if (!verifySshSignature(sig, payload, key)) return { signed: true, valid: false, signer: null, reason: 'SSH signature does not match the commit' };
  const signer = `${key.name} [${key.fingerprint}]`;
  return { signed: true, valid: true, signer, reason: `good SSH signature by ${signer}` };
}

/** Whether `commit` in `gitDir` is signed by one of `trusted`. Never throws for a bad signature. */
export async function verifyCommitSignature(
  deps: { fs: typeof nodeFs },
  gitDir: string,
  commit: string,
  trusted: TrustedKeys,
): Promise<SignatureVerdict> {
  let raw: Buffer;
  try {
    const obj = await git.readObject({ fs: deps.fs, gitdir: gitDir, oid: commit, format: 'content' });
    if (obj.type !== 'commit' || !(obj.object instanceof Uint8Array)) throw new Error(`${commit} is a ${obj.type}`);
    raw = Buffer.from(obj.object);
  } catch (err) {
    throw new SourceError('COMMIT_NOT_FOUND', `commit ${commit} is not available locally`, { cause: err, data: { commit } });
  }
  const { signature, payload } = splitSignedCommit(raw.toString('latin1'));
  if (signature === null) return { signed: false, valid: false, signer: null, reason: 'commit is not signed' };
  // latin1 both ways keeps the bytes exactly, whatever the commit's encoding.
  const bytes = Buffer.from(payload, 'latin1');
  try {
    if (signature.includes('-----BEGIN PGP SIGNATURE-----')) return await verifyPgp(signature, bytes, trusted);
    if (signature.includes('-----BEGIN SSH SIGNATURE-----')) return verifySsh(signature, bytes, trusted);
    return { signed: true, valid: false, signer: null, reason: 'unsupported signature format (only OpenPGP and SSH)' };
  } catch (err) {
    return { signed: true, valid: false, signer: null, reason: `unreadable signature: ${err instanceof Error ? err.message : String(err)}` };
  }
}
