// Integration: the exporter refuses trees that would write outside the destination.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../../agent/contracts/errors.js';
import { createConfigSource } from '../../../agent/source/create-source.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { sourceSettings, tempDir } from '../../fixtures/source-helpers.js';

/** A tree object with one entry of any name, written without git's own checks. */
async function literalTree(repo: TestRepo, name: string, blob: string): Promise<string> {
  const entry = Buffer.concat([Buffer.from(`100644 ${name}\0`, 'latin1'), Buffer.from(blob, 'hex')]);
  return (await repo.git(['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], { input: entry })).trim();
}

describe('tree export', () => {
  let repo: TestRepo;
  let work: string;

  before(async () => {
    repo = await createTestRepo();
    work = tempDir('export');
  });
  after(async () => {
    await repo.remove();
    fs.rmSync(work, { recursive: true, force: true });
  });

  for (const name of ['..', '.git', '.GIT']) {
    it(`refuses a commit whose tree holds an entry named "${name}"`, async () => {
      const blob = (await repo.git(['hash-object', '-w', '--stdin'], { input: 'evil\n' })).trim();
      const tree = await literalTree(repo, name, blob);
      const commit = (await repo.git(['commit-tree', tree, '-m', 'evil'], { env: { GIT_AUTHOR_NAME: 'm', GIT_AUTHOR_EMAIL: 'm@x', GIT_COMMITTER_NAME: 'm', GIT_COMMITTER_EMAIL: 'm@x' } })).trim();
      await repo.setBranch('hosts/evil', commit);
      const src = createConfigSource({ fs }, { settings: sourceSettings('local', repo.dir, { branch: 'hosts/evil' }), gitDir: work });
      const dest = path.join(work, `out-${name}`);
      await assert.rejects(src.checkout(await src.head(), dest), (e: unknown) => e instanceof SourceError && e.code === 'BAD_TREE' && e.handling === 'commit');
      assert.equal(fs.existsSync(path.join(work, 'evil')), false);
    });
  }
});
