// SSH signatures (OpenSSH PROTOCOL.sshsig) as git writes them with gpg.format=ssh:
// parses the armored SSHSIG and checks an Ed25519 signature with node:crypto.

import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

export interface SshPublicKey {
  /** The wire blob: string "ssh-ed25519", string key. */
  blob: Buffer;
  key: KeyObject;
  /** The comment of the trusted line, or the SHA256 fingerprint. */
  name: string;
  fingerprint: string;
}

export interface SshSignature {
  publicKey: Buffer;
  namespace: string;
  hashAlgorithm: string;
  keyType: string;
  signature: Buffer;
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new Error('truncated SSH signature');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
}

function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length, 0);
  return Buffer.concat([len, data]);
}

export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** An `ssh-ed25519 AAAA... comment` public key; null for other key types. */
export function parseSshPublicKey(base64: string, comment: string): SshPublicKey | null {
  const blob = Buffer.from(base64, 'base64');
  const r = new Reader(blob);
  if (r.string().toString('utf8') !== 'ssh-ed25519') return null;
  const raw = r.string();
  if (raw.length !== 32) return null;
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const fingerprint = sshFingerprint(blob);
  return { blob, key, name: comment || fingerprint, fingerprint };
}

export function parseSshSignature(armored: string): SshSignature {
  const body = armored
    .replace(/-----BEGIN SSH SIGNATURE-----/, '')
    .replace(/-----END SSH SIGNATURE-----/, '')
    .replace(/\s+/g, '');
  const r = new Reader(Buffer.from(body, 'base64'));
  if (r.bytes(6).toString('latin1') !== 'SSHSIG') throw new Error('not an SSHSIG signature');
  if (r.uint32() !== 1) throw new Error('unsupported SSHSIG version');
  const publicKey = Buffer.from(r.string());
  const namespace = r.string().toString('utf8');
  r.string(); // reserved
  const hashAlgorithm = r.string().toString('utf8');
  const sig = new Reader(r.string());
  const keyType = sig.string().toString('utf8');
  return { publicKey, namespace, hashAlgorithm, keyType, signature: Buffer.from(sig.string()) };
}

/** Whether `sig` is a valid signature of `message` by `key` (the caller checks key trust). */
export function verifySshSignature(sig: SshSignature, message: Buffer, key: SshPublicKey): boolean {
  if (sig.keyType !== 'ssh-ed25519' || !sig.publicKey.equals(key.blob)) return false;
  if (sig.hashAlgorithm !== 'sha512' && sig.hashAlgorithm !== 'sha256') return false;
  const digest = createHash(sig.hashAlgorithm).update(message).digest();
  const signed = Buffer.concat([
    Buffer.from('SSHSIG', 'latin1'),
    sshString(sig.namespace),
    sshString(''),
    sshString(sig.hashAlgorithm),
    sshString(digest),
  ]);
  return verify(null, signed, key.key, sig.signature);
}
