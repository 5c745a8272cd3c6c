// Integration: the http(s) source against a real `git http-backend`.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../../agent/contracts/errors.js';
import { createConfigSource } from '../../../agent/source/create-source.js';
import { MAX_PACKS } from '../../../agent/source/http-source.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { startGitServer, type GitServer } from '../../bed/git-server.js';
import { readDirTree, sourceSettings, tempDir } from '../../fixtures/source-helpers.js';

const BRANCH = 'hosts/edge-01';

async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

describe('http source', () => {
  let repo: TestRepo;
  let server: GitServer;
  let work: string;
  let url: string;

  before(async () => {
    repo = await createTestRepo();
    work = tempDir('http-src');
    server = await startGitServer({ projectRoot: repo.root, logFile: path.join(work, 'git-server.log') });
    url = `${server.url}/${repo.name}`;
  });
  after(async () => {
    await server.stop();
    await repo.remove();
    fs.rmSync(work, { recursive: true, force: true });
  });

  function source(name: string, over: Parameters<typeof sourceSettings>[2] = {}) {
    return createConfigSource({ fs }, { settings: sourceSettings('http', url, over), gitDir: path.join(work, name, 'git') });
  }

  it('keeps its private repository small over many fetched commits', async () => {
    const src = source('many');
    const gitDir = path.join(work, 'many', 'git');
    for (let i = 0; i < MAX_PACKS + 4; i++) {
      const c = await repo.commitFiles(BRANCH, { 'compose.yaml': `# revision ${i}\nservices: {}\n` }, `revision ${i}`);
      assert.equal(await src.head(), c);
      const dest = path.join(work, 'many', `snap-${i}`);
      await src.checkout(c, dest);
      assert.match(fs.readFileSync(path.join(dest, 'compose.yaml'), 'utf8'), new RegExp(`revision ${i}\\n`));
      const packs = fs.readdirSync(path.join(gitDir, 'objects', 'pack')).filter((f) => f.endsWith('.pack'));
      assert.ok(packs.length <= MAX_PACKS, `${packs.length} packs after ${i + 1} fetches`);
    }
  });

  it('reads the head of the branch, not of a branch whose name starts the same', async () => {
    const c1 = await repo.commitFiles(BRANCH, { 'compose.yaml': 'services: {}\n' }, 'first');
    await repo.commitFiles(`${BRANCH}x`, { 'compose.yaml': 'other\n' }, 'other host');
    const src = source('a');
    assert.equal(await src.head(), c1);
  });

  it('exports the commit with modes, links and metadata, then polls without fetching', async () => {
    const c = await repo.commitFiles(
      BRANCH,
      {
        'compose.yaml': 'services: {a: {image: x}}\n',
        'files/run.sh': { content: '#!/bin/sh\necho hi\n', mode: 'executable' },
        'files/link.conf': { content: 'run.sh', mode: 'symlink' },
        'units/telegraf.service': '[Service]\nExecStart=/bin/true\n',
      },
      'add files\n\nlonger body',
      { author: { name: 'Ada', email: 'ada@example.com' } },
    );
    const src = source('b');
    const head = await src.head();
    assert.equal(head, c);
    const dest = path.join(work, 'b', 'out1');
    const info = await src.checkout(head, dest);
    assert.deepEqual(info, { commit: c, author: 'Ada', email: 'ada@example.com', date: info.date, message: 'add files\n\nlonger body' });
    assert.match(info.date, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(readDirTree(dest), {
      'compose.yaml': 'services: {a: {image: x}}\n',
      'files/link.conf': '-> run.sh',
      'files/run.sh': '#!/bin/sh\necho hi\n',
      'units/telegraf.service': '[Service]\nExecStart=/bin/true\n',
    });
    assert.equal(fs.statSync(path.join(dest, 'files/run.sh')).mode & 0o777, 0o755);
    assert.equal(fs.statSync(path.join(dest, 'compose.yaml')).mode & 0o777, 0o644);

    const before = src.stats();
    server.resetStats();
    assert.equal(await src.head(), c);
    await src.checkout(c, path.join(work, 'b', 'out2'));
    const poll = { client: src.stats(), server: server.stats() };
    assert.equal(poll.client.roundTrips - before.roundTrips, 1, 'one round trip for a no-op poll, no fetch');
    assert.equal(poll.server.requests, 1);
    assert.ok(poll.server.bytesIn + poll.server.bytesOut <= 1024, `no-op poll cost ${JSON.stringify(poll.server)}`);
  });

  it('fetches only when the branch moved, and follows a force-push', async () => {
    const src = source('c');
    const c1 = await src.head();
    await src.checkout(c1, path.join(work, 'c', '1'));
    const c2 = await repo.commitFiles(BRANCH, { 'compose.yaml': 'v2\n' }, 'v2');
    const h2 = await src.head();
    assert.equal(h2, c2);
    await src.checkout(h2, path.join(work, 'c', '2'));
    assert.equal(readDirTree(path.join(work, 'c', '2'))['compose.yaml'], 'v2\n');

    const rewritten = await repo.commitFiles(BRANCH, { 'compose.yaml': 'rewritten\n' }, 'rewrite', { parent: null });
    const h3 = await src.head();
    assert.equal(h3, rewritten);
    await src.checkout(h3, path.join(work, 'c', '3'));
    assert.deepEqual(readDirTree(path.join(work, 'c', '3')), { 'compose.yaml': 'rewritten\n' });
    // The older commit is still available locally, e.g. for a rollback.
    await src.checkout(c2, path.join(work, 'c', '4'));
  });

  it('exports only the configured folder', async () => {
    const c = await repo.commitFiles('hosts/sub', { 'site/edge/compose.yaml': 'sub\n', 'site/edge/.env': 'A=1\n', 'README.md': 'x' }, 'sub');
    const src = source('d', { branch: 'hosts/sub', path: 'site/edge' });
    await src.checkout(await src.head(), path.join(work, 'd', 'out'));
    assert.deepEqual(readDirTree(path.join(work, 'd', 'out')), { '.env': 'A=1\n', 'compose.yaml': 'sub\n' });
    await rejectsWithCode(source('d2', { branch: 'hosts/sub', path: 'missing' }).checkout(c, path.join(work, 'd2', 'out')), 'PATH_NOT_FOUND');
  });

  it('refuses to export into a folder that exists', async () => {
    const src = source('e');
    const dest = path.join(work, 'e', 'out');
    fs.mkdirSync(dest, { recursive: true });
    await assert.rejects(src.checkout(await src.head(), dest));
  });

  it('falls back to discovery when the server does not speak protocol v2', async () => {
    const old = await startGitServer({ projectRoot: repo.root, logFile: path.join(work, 'old.log'), protocolV2: false });
    try {
      const settings = sourceSettings('http', `${old.url}/${repo.name}`);
      const src = createConfigSource({ fs }, { settings, gitDir: path.join(work, 'old', 'git') });
      const head = await src.head();
      assert.equal(head, (await repo.git(['rev-parse', `refs/heads/${BRANCH}`])).trim());
      await src.checkout(head, path.join(work, 'old', 'out'));
      await rejectsWithCode(createConfigSource({ fs }, { settings: { ...settings, branch: 'hosts/nobody' }, gitDir: path.join(work, 'old2') }).head(), 'BRANCH_NOT_FOUND');
    } finally {
      await old.stop();
    }
  });

  it('says BRANCH_NOT_FOUND for a missing branch', async () => {
    await rejectsWithCode(source('f', { branch: 'hosts/nobody' }).head(), 'BRANCH_NOT_FOUND');
  });
});
