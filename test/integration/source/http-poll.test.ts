// Integration: the cost of a no-op poll with 1 and 5,000 branches, basic auth, and a server
// that is down, against a real `git http-backend`.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../../agent/contracts/errors.js';
import { createConfigSource } from '../../../agent/source/create-source.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { startGitServer, type GitServer } from '../../bed/git-server.js';
import { readDirTree, sourceSettings, tempDir } from '../../fixtures/source-helpers.js';

const BRANCH = 'hosts/edge-01';
const AUTH = { username: 'fleet', password: 's3cret-token' };

async function rejectsWithCode(p: Promise<unknown>, code: string, secret?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.handling, 'retry');
    if (secret) assert.ok(!JSON.stringify(err.toJSON()).includes(secret), 'no secret in the error');
    return true;
  });
}

describe('http source polling and auth', () => {
  let repo: TestRepo;
  let server: GitServer;
  let work: string;
  let url: string;
  let commit: string;

  before(async () => {
    repo = await createTestRepo();
    work = tempDir('http-poll');
    commit = await repo.commitFiles(BRANCH, { 'compose.yaml': 'services: {}\n' }, 'first');
    server = await startGitServer({ projectRoot: repo.root, logFile: path.join(work, 'git-server.log'), auth: AUTH });
    url = `${server.url}/${repo.name}`;
  });
  after(async () => {
    await server.stop();
    await repo.remove();
    fs.rmSync(work, { recursive: true, force: true });
  });

  function source(name: string, password: string | null = AUTH.password) {
    const settings = sourceSettings('http', url, { auth: { username: AUTH.username, password, sshKeyFile: null, knownHostsFile: null } });
    return createConfigSource({ fs }, { settings, gitDir: path.join(work, name, 'git'), timeoutMs: 5_000 });
  }

  async function measureNoOpPoll(name: string): Promise<{ requests: number; bytes: number; clientBytes: number }> {
    const src = source(name);
    await src.checkout(await src.head(), path.join(work, name, 'out'));
    const before = src.stats();
    server.resetStats();
    assert.equal(await src.head(), commit);
    const s = server.stats();
    const c = src.stats();
    return { requests: s.requests, bytes: s.bytesIn + s.bytesOut, clientBytes: c.bytesIn + c.bytesOut - before.bytesIn - before.bytesOut };
  }

  it('polls with credentials sent up front: one round trip under 1 KB', async () => {
    const cost = await measureNoOpPoll('one');
    console.log(`# no-op poll, 1 branch: ${cost.requests} request(s), ${cost.bytes} B on the wire (client count ${cost.clientBytes} B)`);
    assert.equal(cost.requests, 1);
    assert.ok(cost.bytes <= 1024, `${cost.bytes} B`);
  });

  it('fetches a changed branch among a few in a few round trips', async () => {
    const c2 = await repo.commitFiles(BRANCH, { 'compose.yaml': 'v1b\n' }, 'v1b');
    const src = source('one');
    server.resetStats();
    const head = await src.head();
    const info = await src.checkout(head, path.join(work, 'one', 'out-b'));
    const f = server.stats();
    console.log(`# poll + fetch after a change, 1 branch: ${f.requests} requests, ${f.bytesIn + f.bytesOut} B`);
    assert.equal(head, c2);
    assert.equal(info.commit, c2);
    assert.deepEqual(readDirTree(path.join(work, 'one', 'out-b')), { 'compose.yaml': 'v1b\n' });
    // ls-refs, then the fetch's discovery and upload-pack: a few round trips, not one per object.
    assert.ok(f.requests <= 4, `${f.requests} requests`);
    commit = c2;
  });

  it('still polls in one round trip under 1 KB with 5,000 branches', async () => {
    await repo.createBranches('hosts/site-', 5000, commit);
    const cost = await measureNoOpPoll('many');
    console.log(`# no-op poll, 5,000 branches: ${cost.requests} request(s), ${cost.bytes} B on the wire (client count ${cost.clientBytes} B)`);
    assert.equal(cost.requests, 1);
    assert.ok(cost.bytes <= 1024, `${cost.bytes} B`);
    // A changed branch still fetches and exports among 5,000 others.
    const c2 = await repo.commitFiles(BRANCH, { 'compose.yaml': 'v2\n' }, 'v2');
    const src = source('many');
    assert.equal(await src.head(), c2);
    server.resetStats();
    const t0 = Date.now();
    await src.checkout(c2, path.join(work, 'many', 'out2'));
    const f = server.stats();
    console.log(`# fetch after a change, 5,000 branches: ${f.requests} requests, ${f.bytesIn + f.bytesOut} B, ${Date.now() - t0} ms`);
    assert.deepEqual(readDirTree(path.join(work, 'many', 'out2')), { 'compose.yaml': 'v2\n' });
    commit = c2;
  });

  it('says AUTH_FAILED for a wrong password, without the password in the error', async () => {
    await rejectsWithCode(source('wrong', 'not-the-password').head(), 'AUTH_FAILED', 'not-the-password');
    await rejectsWithCode(source('wrong2', 'not-the-password').checkout(commit, path.join(work, 'wrong2', 'out')), 'AUTH_FAILED');
  });

  it('says AUTH_FAILED when no credentials are configured', async () => {
    await rejectsWithCode(source('none', null).head(), 'AUTH_FAILED');
  });

  it('never writes the credentials into the private repository', async () => {
    const gitDir = path.join(work, 'one', 'git');
    const config = fs.readFileSync(path.join(gitDir, 'config'), 'utf8');
    assert.ok(!config.includes(AUTH.password));
    assert.ok(!config.includes(Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')));
  });

  it('says UNREACHABLE when the server is down', async () => {
    const down = await startGitServer({ projectRoot: repo.root, logFile: path.join(work, 'down.log') });
    const downUrl = `${down.url}/${repo.name}`;
    await down.stop();
    const src = createConfigSource({ fs }, { settings: sourceSettings('http', downUrl), gitDir: path.join(work, 'down', 'git'), timeoutMs: 2_000 });
    await rejectsWithCode(src.head(), 'UNREACHABLE');
    await rejectsWithCode(src.checkout(commit, path.join(work, 'down', 'out')), 'UNREACHABLE');
  });
});
