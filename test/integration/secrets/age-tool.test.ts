// moor's age files against Debian's real `age` tool: each decrypts what the other encrypts,
// armored and binary, and the host identity file is one `age -d -i` reads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decryptAge, encryptAge, isArmored } from '../../../agent/secrets/age-file.js';
import { ensureIdentity } from '../../../agent/secrets/identity.js';

const CLEAR = 'db-password: s3cr3t-\u00e9\u00e8\n\u0000binary\u00ff';

async function host(): Promise<{ dir: string; recipient: string; identity: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'moor-age-'));
  const { identity } = await ensureIdentity(join(dir, 'state'));
  return { dir, ...identity };
}

describe('age files', () => {
  it('creates the identity 0600 in the state dir once, and keeps it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moor-age-'));
    const first = await ensureIdentity(join(dir, 'state'));
    const again = await ensureIdentity(join(dir, 'state'));
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(again.identity.recipient, first.identity.recipient);
    assert.match(first.identity.recipient, /^age1[0-9a-z]{58}$/);
    assert.equal((await stat(first.identity.file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'state', 'secrets-hash.key'))).mode & 0o777, 0o600);
    assert.equal(first.identity.hash('x'), again.identity.hash('x'), 'the hash key is kept too');
  });

  for (const armor of [false, true]) {
    const form = armor ? 'armored' : 'binary';
    it(`decrypts what \`age -r\` encrypted (${form})`, async () => {
      const h = await host();
      const clearFile = join(h.dir, 'clear');
      await writeFile(clearFile, CLEAR);
      const out = join(h.dir, 'secret.age');
      execFileSync('age', ['-r', h.recipient, ...(armor ? ['-a'] : []), '-o', out, clearFile]);
      const data = await readFile(out);
      assert.equal(isArmored(data), armor);
      assert.equal((await decryptAge(data, [h.identity])).toString(), CLEAR);
    });

    it(`encrypts what \`age -d -i\` decrypts with the host identity file (${form})`, async () => {
      const h = await host();
      const out = join(h.dir, 'secret.age');
      await writeFile(out, await encryptAge(Buffer.from(CLEAR), [h.recipient], { armor }));
      if (armor) assert.match(await readFile(out, 'utf8'), /^-----BEGIN AGE ENCRYPTED FILE-----\n/);
      assert.equal(execFileSync('age', ['-d', '-i', h.file, out]).toString(), CLEAR);
    });
  }

  it('reads a key file age-keygen wrote, and refuses a file for another recipient', async () => {
    const h = await host();
    const keyFile = join(h.dir, 'other.txt');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
    const other = execFileSync('age-keygen', ['-y', keyFile]).toString().trim();
    const secret = await encryptAge(Buffer.from(CLEAR), [other], { armor: false });
    await assert.rejects(decryptAge(secret, [h.identity]));
    const key = (await readFile(keyFile, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-')) ?? '';
    assert.equal((await decryptAge(secret, [key])).toString(), CLEAR);
  });
});
