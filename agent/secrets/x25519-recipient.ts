// The age recipient (`age1...`) of an X25519 identity (`AGE-SECRET-KEY-1...`), and a new identity,
// with node:crypto and a small bech32 codec, so that an agent starting up does not load
// age-encryption (and the curves and post-quantum code it precomputes: about 9 MB) only to create,
// print and report its identity.

import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { IdentityError } from './errors.js';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
/** PKCS#8 DER of an X25519 private key, up to its 32 raw bytes (RFC 8410). */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i] ?? 0;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

/** Regroups bits (8 -> 5 with padding, 5 -> 8 without). */
function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | (data[i] ?? 0);
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & max);
  else if (!pad && (bits >= from || ((acc << (to - bits)) & max) !== 0)) return null;
  return out;
}

export function bech32Encode(hrp: string, bytes: Uint8Array): string {
  const data = convertBits(bytes, 8, 5, true) ?? [];
  const mod = polymod([...hrpExpand(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...checksum].map((d) => CHARSET[d]).join('')}`;
}

export function bech32Decode(text: string): { hrp: string; bytes: Buffer } | null {
  const lower = text.toLowerCase();
  if (lower !== text && text.toUpperCase() !== text) return null;
  const sep = lower.lastIndexOf('1');
  if (sep < 1 || lower.length - sep < 7) return null;
  const hrp = lower.slice(0, sep);
  const data = [...lower.slice(sep + 1)].map((c) => CHARSET.indexOf(c));
  if (data.some((d) => d < 0) || polymod([...hrpExpand(hrp), ...data]) !== 1) return null;
  const bytes = convertBits(data.slice(0, -6), 5, 8, false);
  return bytes ? { hrp, bytes: Buffer.from(bytes) } : null;
}

/** `age1...` of `AGE-SECRET-KEY-1...`; IdentityError when the text is not such an identity. */
export function x25519Recipient(identity: string): string {
  const decoded = bech32Decode(identity.trim());
  if (!decoded || decoded.hrp !== 'age-secret-key-' || decoded.bytes.length !== 32) throw new IdentityError('not an age X25519 identity (AGE-SECRET-KEY-1...)');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, decoded.bytes]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return bech32Encode('age', spki.subarray(spki.length - 32));
}

/** A new X25519 identity, `AGE-SECRET-KEY-1...`, as age-keygen writes it (32 random bytes from the OS). */
export function generateX25519Identity(): string {
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return bech32Encode('age-secret-key-', der.subarray(der.length - 32)).toUpperCase();
}
