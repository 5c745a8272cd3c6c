// Encrypts and decrypts the age format with `age-encryption`, armored or binary, exactly as the
// `age` tool reads and writes it. The clear text stays in memory. The library (and the curves it
// precomputes) loads on the first decryption or encryption, not with the agent.

const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const BINARY_MAGIC = 'age-encryption.org/v1\n';

export function isArmored(data: Uint8Array): boolean {
  return Buffer.from(data.subarray(0, 64)).toString('latin1').trimStart().startsWith(ARMOR_BEGIN);
}

export function looksLikeAge(data: Uint8Array): boolean {
  return isArmored(data) || Buffer.from(data.subarray(0, BINARY_MAGIC.length)).toString('latin1') === BINARY_MAGIC;
}

/** The binary form of an age file given either form. */
export async function dearmor(data: Uint8Array): Promise<Uint8Array> {
  return isArmored(data) ? (await import('age-encryption')).armor.decode(Buffer.from(data).toString('utf8')) : data;
}

/** Decrypts with the given identities (`AGE-SECRET-KEY-1...`); throws when none matches. */
export async function decryptAge(data: Uint8Array, identities: readonly string[]): Promise<Buffer> {
  const { Decrypter } = await import('age-encryption');
  const d = new Decrypter();
  for (const identity of identities) d.addIdentity(identity);
  return Buffer.from(await d.decrypt(await dearmor(data)));
}

/** Encrypts to every recipient (`age1...`); armored output is text, as `age -a` writes it. */
export async function encryptAge(clear: Uint8Array, recipients: readonly string[], options: { armor: boolean }): Promise<Buffer> {
  const { armor, Encrypter } = await import('age-encryption');
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  const binary = await e.encrypt(clear);
  return options.armor ? Buffer.from(armor.encode(binary), 'utf8') : Buffer.from(binary);
}
