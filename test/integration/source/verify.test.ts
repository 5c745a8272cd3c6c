// Integration: commit signatures made for real by gpg and by ssh-keygen (git's gpg.format=ssh),
// checked against a keysFile holding trusted OpenPGP and SSH keys.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTrustedKeys, verifyCommitSignature, type TrustedKeys } from '../../../agent/source/verify.js';
import { createGpgKey, createSshSigningKey, type GpgKey, type SshSigningKey } from '../../bed/git-signing.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { tempDir } from '../../fixtures/source-helpers.js';

const BRANCH = 'hosts/edge-01';

/** The same commit with its message changed and the original signature kept. */
async function tamper(repo: TestRepo, commit: string): Promise<string> {
  const raw = await repo.git(['cat-file', 'commit', commit]);
  const forged = raw.replace(/\n\n([\s\S]*)$/, '\n\nprivileged: true\n');
  assert.notEqual(forged, raw);
  return (await repo.git(['hash-object', '-t', 'commit', '-w', '--stdin'], { input: forged })).trim();
}

describe('commit signature verification', () => {
  let repo: TestRepo;
  let work: string;
  let gpgTrusted: GpgKey;
  let gpgStranger: GpgKey;
  let sshTrusted: SshSigningKey;
  let sshStranger: SshSigningKey;
  let trusted: TrustedKeys;

  before(async () => {
    repo = await createTestRepo();
    work = tempDir('verify');
    gpgTrusted = createGpgKey(work, 'Fleet Release <release@example.com>');
    gpgStranger = createGpgKey(work, 'Mallory <mallory@example.com>');
    sshTrusted = createSshSigningKey(work, 'release@example.com');
    sshStranger = createSshSigningKey(work, 'mallory@example.com');
    const keysFile = [gpgTrusted.armoredPublicKey, `${sshTrusted.publicKeyLine}`, ''].join('\n');
    trusted = await parseTrustedKeys(keysFile);
  });
  after(async () => {
    gpgTrusted.stop();
    gpgStranger.stop();
    await repo.remove();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const verify = (commit: string) => verifyCommitSignature({ fs }, repo.gitDir, commit, trusted);

  it('reads both kinds of keys from one keysFile', () => {
    assert.equal(trusted.pgp.length, 1);
    assert.equal(trusted.ssh.length, 1);
    assert.equal(trusted.ssh[0]?.name, 'release@example.com');
  });

  it('refuses an unsigned commit', async () => {
    const c = await repo.commitFiles(BRANCH, { 'compose.yaml': 'unsigned\n' }, 'unsigned');
    assert.deepEqual(await verify(c), { signed: false, valid: false, signer: null, reason: 'commit is not signed' });
  });

  it('accepts a commit signed with a trusted OpenPGP key', async () => {
    const c = await repo.commitFiles(BRANCH, { 'compose.yaml': 'pgp\n' }, 'pgp signed\n\nwith a body', {
      sign: { format: 'openpgp', keyId: gpgTrusted.fingerprint, gnupgHome: gpgTrusted.gnupgHome },
    });
    const v = await verify(c);
    assert.equal(v.valid, true, v.reason);
    assert.equal(v.signed, true);
    assert.equal(v.signer, `Fleet Release <release@example.com> [${gpgTrusted.fingerprint}]`);
  });

  it('refuses a commit signed with an unknown OpenPGP key', async () => {
    const c = await repo.commitFiles(BRANCH, { 'compose.yaml': 'pgp-stranger\n' }, 'by mallory', {
      sign: { format: 'openpgp', keyId: gpgStranger.fingerprint, gnupgHome: gpgStranger.gnupgHome },
    });
    const v = await verify(c);
    assert.equal(v.signed, true);
    assert.equal(v.valid, false);
    assert.match(v.reason, /untrusted OpenPGP key/);
  });

  it('refuses a rewritten commit that carries a copied OpenPGP signature', async () => {
    const c = await repo.commitFiles(BRANCH, { 'compose.yaml': 'pgp2\n' }, 'pgp signed', {
      sign: { format: 'openpgp', keyId: gpgTrusted.fingerprint, gnupgHome: gpgTrusted.gnupgHome },
    });
    assert.equal((await verify(c)).valid, true);
    const v = await verify(await tamper(repo, c));
    assert.deepEqual([v.signed, v.valid, v.signer], [true, false, null]);
    assert.match(v.reason, /does not match/);
  });

  it('accepts a commit signed with a trusted SSH key', async () => {
    const c = await repo.commitFiles(BRANCH, { 'compose.yaml': 'ssh\n' }, 'ssh signed', { sign: { format: 'ssh', keyFile: sshTrusted.keyFile } });
    const v = await verify(c);
    assert.equal(v.valid, true, v.reason);
    assert.match(v.signer ?? '', /^release@example\.com \[SHA256:/);
    // ssh-keygen agrees on the fingerprint.
    const { execFileSync } = await import('node:child_process');
    const fp = execFileSync('ssh-keygen', ['-lf', `${sshTrusted.keyFile}.pub`]).toString().split(' ')[1];
    assert.ok(v.signer?.includes(`[${fp}]`));
  });

  it('refuses a commit signed with an unknown SSH key', async () => {
    const c = await repo.commitFiles(BRANCH, { 'compose.yaml': 'ssh-stranger\n' }, 'by mallory', { sign: { format: 'ssh', keyFile: sshStranger.keyFile } });
    const v = await verify(c);
    assert.deepEqual([v.signed, v.valid], [true, false]);
    assert.match(v.reason, /untrusted SSH key/);
  });

  it('refuses a rewritten commit that carries a copied SSH signature', async () => {
    const c = await repo.commitFiles(BRANCH, { 'compose.yaml': 'ssh2\n' }, 'ssh signed', { sign: { format: 'ssh', keyFile: sshTrusted.keyFile } });
    const v = await verify(await tamper(repo, c));
    assert.deepEqual([v.signed, v.valid, v.signer], [true, false, null]);
    assert.match(v.reason, /does not match/);
  });

  it('trusts nothing when the keysFile is empty', async () => {
    const c = await repo.commitFiles(BRANCH, { 'compose.yaml': 'ssh3\n' }, 'ssh signed', { sign: { format: 'ssh', keyFile: sshTrusted.keyFile } });
    const v = await verifyCommitSignature({ fs }, repo.gitDir, c, await parseTrustedKeys(''));
    assert.equal(v.valid, false);
  });
});
