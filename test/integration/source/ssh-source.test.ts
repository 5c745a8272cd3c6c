// Integration: the git+ssh source against Debian's sshd with a deploy key and a pinned host key.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../../agent/contracts/errors.js';
import { createConfigSource } from '../../../agent/source/create-source.js';
import type { SourceAuth } from '../../../agent/settings/model.js';
import { createTestRepo, runGit, type TestRepo } from '../../bed/git-repo.js';
import { startSshd, type Sshd } from '../../bed/sshd.js';
import { readDirTree, sourceSettings, tempDir } from '../../fixtures/source-helpers.js';

const BRANCH = 'hosts/edge-01';

async function rejectsWithCode(p: Promise<unknown>, code: string, reason?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (reason) assert.equal(err.data.reason, reason, err.message);
    return true;
  });
}

describe('ssh source', () => {
  let repo: TestRepo;
  let sshd: Sshd;
  let work: string;
  let url: string;

  before(async () => {
    repo = await createTestRepo();
    work = tempDir('ssh-src');
    sshd = await startSshd();
    url = `${sshd.baseUrl}${repo.dir}`;
  });
  after(async () => {
    await sshd.stop();
    await repo.remove();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(sshd.dir, { recursive: true, force: true });
  });

  function source(name: string, auth: Partial<SourceAuth> = {}, over: Parameters<typeof sourceSettings>[2] = {}) {
    const full: SourceAuth = { username: null, password: null, sshKeyFile: sshd.keyFile, knownHostsFile: sshd.knownHostsFile, ...auth };
    return createConfigSource({ fs }, { settings: sourceSettings('ssh', url, { auth: full, ...over }), gitDir: path.join(work, name, 'git'), timeoutMs: 10_000 });
  }

  it('reads the head, fetches depth 1 and exports, and follows a force-push', async () => {
    const c1 = await repo.commitFiles(BRANCH, { 'edge/compose.yaml': 'v1\n', 'edge/run.sh': { content: 'x', mode: 'executable' } }, 'v1');
    await repo.commitFiles(`${BRANCH}x`, { 'edge/compose.yaml': 'other\n' }, 'other');
    const src = source('a', {}, { path: 'edge' });
    assert.equal(await src.head(), c1);
    const info = await src.checkout(c1, path.join(work, 'a', 'out1'));
    assert.equal(info.commit, c1);
    assert.deepEqual(readDirTree(path.join(work, 'a', 'out1')), { 'compose.yaml': 'v1\n', 'run.sh': 'x' });
    assert.equal(fs.statSync(path.join(work, 'a', 'out1', 'run.sh')).mode & 0o777, 0o755);
    assert.equal((await runGit(['--git-dir', path.join(work, 'a', 'git'), 'rev-parse', '--is-shallow-repository'])).trim(), 'true');

    const before = src.stats().roundTrips;
    await src.checkout(c1, path.join(work, 'a', 'again'));
    assert.equal(src.stats().roundTrips, before, 'no fetch for a commit already present');

    const rewritten = await repo.commitFiles(BRANCH, { 'edge/compose.yaml': 'rewritten\n' }, 'rewrite', { parent: null });
    assert.equal(await src.head(), rewritten);
    await src.checkout(rewritten, path.join(work, 'a', 'out2'));
    assert.deepEqual(readDirTree(path.join(work, 'a', 'out2')), { 'compose.yaml': 'rewritten\n' });
  });

  it('says BRANCH_NOT_FOUND for a missing branch', async () => {
    await rejectsWithCode(source('b', {}, { branch: 'hosts/nobody' }).head(), 'BRANCH_NOT_FOUND');
  });

  it('refuses a server whose host key does not match the pinned one', async () => {
    await rejectsWithCode(source('c', { knownHostsFile: sshd.wrongKnownHostsFile }).head(), 'AUTH_FAILED', 'host-key');
  });

  it('says AUTH_FAILED for a key the server does not accept', async () => {
    const stranger = path.join(work, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger], { stdio: 'ignore' });
    await rejectsWithCode(source('d', { sshKeyFile: stranger }).head(), 'AUTH_FAILED', 'permission-denied');
  });

  it('says UNREACHABLE when nothing listens', async () => {
    const settings = sourceSettings('ssh', `ssh://root@127.0.0.1:1${repo.dir}`, {
      auth: { username: null, password: null, sshKeyFile: sshd.keyFile, knownHostsFile: sshd.knownHostsFile },
    });
    await rejectsWithCode(createConfigSource({ fs }, { settings, gitDir: path.join(work, 'e') }).head(), 'UNREACHABLE');
  });
});
