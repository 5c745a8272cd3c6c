// verify.mode: head in the sync loop: unsigned, unknown-key and tampered commits are refused,
// recorded and reported, and the host keeps running the last good state; a trusted one applies.

import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupHost, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { createTestRepo, type SignWith, type TestRepo } from '../../bed/git-repo.js';
import { createGpgKey, createSshSigningKey, type GpgKey } from '../../bed/git-signing.js';
import { tempDir } from '../../bed/agent-process.js';
import { compose, createHarness, service, type Harness } from './harness.js';

const docker = testDocker();

/** The same signed commit object with another tree: what a forged push would carry. */
async function tamper(repo: TestRepo, signed: string, treeOf: string): Promise<string> {
  const raw = await repo.git(['cat-file', 'commit', signed]);
  const tree = (await repo.git(['rev-parse', `${treeOf}^{tree}`])).trim();
  const forged = raw.replace(/^tree [0-9a-f]{40}$/m, `tree ${tree}`);
  assert.notEqual(forged, raw);
  return (await repo.git(['hash-object', '-t', 'commit', '-w', '--stdin'], { input: forged })).trim();
}

async function revisionOf(host: string, name: string): Promise<string | undefined> {
  const list = await docker.listContainers({ all: true, filters: { label: [`moor.host=${host}`, 'moor.managed=true'], name: [name] } });
  return list[0]?.Labels['moor.revision'];
}

describe('signed commits (verify.mode: head)', () => {
  const host = uniqueHostId('signed');
  const branch = `hosts/${host}`;
  let repo: TestRepo;
  let dir: string;
  let h: Harness;
  let gpgTrusted: GpgKey;
  let gpgStranger: GpgKey;
  const keys: Record<'pgp' | 'ssh', { trusted: SignWith; stranger: SignWith }> = {} as never;
  let good = '';
  let version = 0;

  const stack = (): Record<string, string> => ({ 'compose.yaml': compose('sig', service('web', [`environment: { V: "${++version}" }`])) });

  before(async () => {
    repo = await createTestRepo({ bare: true });
    dir = tempDir('moor-signed-');
    gpgTrusted = createGpgKey(dir, 'Fleet Release <release@example.com>');
    gpgStranger = createGpgKey(dir, 'Mallory <mallory@example.com>');
    const sshTrusted = createSshSigningKey(dir, 'release@example.com');
    const sshStranger = createSshSigningKey(dir, 'mallory@example.com');
    keys.pgp = {
      trusted: { format: 'openpgp', keyId: gpgTrusted.fingerprint, gnupgHome: gpgTrusted.gnupgHome },
      stranger: { format: 'openpgp', keyId: gpgStranger.fingerprint, gnupgHome: gpgStranger.gnupgHome },
    };
    keys.ssh = { trusted: { format: 'ssh', keyFile: sshTrusted.keyFile }, stranger: { format: 'ssh', keyFile: sshStranger.keyFile } };
    const keysFile = join(dir, 'trusted-keys.asc');
    writeFileSync(keysFile, `${gpgTrusted.armoredPublicKey}\n${sshTrusted.publicKeyLine}\n`);
    h = createHarness({ host, repo, branch, stateDir: join(dir, 'state'), verify: { mode: 'head', keysFile } });
    good = await repo.commitFiles(branch, stack(), 'signed and trusted', { sign: keys.pgp.trusted });
    const out = await h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
  });
  after(async () => {
    h.close();
    gpgTrusted.stop();
    gpgStranger.stop();
    await cleanupHost(docker, host);
    await repo.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['pgp', 'ssh'] as const) {
    const expectRefused = async (commit: string, code: string): Promise<void> => {
      const out = await h.reconciler.sync('commit');
      assert.equal(out.result, 'refused', JSON.stringify(out));
      assert.equal(out.error?.code, code);
      assert.equal(h.store.revision(commit)?.verdict, 'refused');
      assert.ok(h.events.some((e) => e.type === 'commit.refused' && e.commit === commit));
      assert.equal(await revisionOf(host, 'sig-web'), good, 'the last good state keeps running');
    };

    it(`refuses an unsigned commit (${kind} keys trusted)`, async () => {
      await expectRefused(await repo.commitFiles(branch, stack(), 'unsigned'), 'UNSIGNED');
    });

    it(`refuses a commit signed by an unknown ${kind} key`, async () => {
      await expectRefused(await repo.commitFiles(branch, stack(), 'by a stranger', { sign: keys[kind].stranger }), 'BAD_SIGNATURE');
    });

    it(`refuses a ${kind}-signed commit whose content was swapped`, async () => {
      const signed = await repo.commitFiles(branch, stack(), 'signed', { sign: keys[kind].trusted, parent: good });
      const evil = await repo.commitFiles(branch, { 'compose.yaml': compose('sig', service('web', ['privileged: true'])) }, 'evil', { parent: good });
      const forged = await tamper(repo, signed, evil);
      await repo.setBranch(branch, forged);
      await expectRefused(forged, 'BAD_SIGNATURE');
    });

    it(`applies a commit signed by the trusted ${kind} key and records the signer`, async () => {
      const commit = await repo.commitFiles(branch, stack(), 'trusted', { sign: keys[kind].trusted, parent: good });
      const out = await h.reconciler.sync('commit');
      assert.equal(out.result, 'converged', JSON.stringify(out.error));
      assert.equal(await revisionOf(host, 'sig-web'), commit);
      assert.match(h.store.revision(commit)?.signer ?? '', /release@example\.com/);
      good = commit;
    });
  }
});
