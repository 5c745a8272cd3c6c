// Change detection without leaking: an HMAC of the clear text under a key that never leaves the
// host, so the value in a label, plan or hub message cannot be used to test a guess.
import { createHmac } from 'node:crypto';

export type KeyedHash = (clear: Uint8Array | string) => string;

export function keyedHash(key: Uint8Array): KeyedHash {
  return (clear) => createHmac('sha256', key).update(clear).digest('hex');
}
