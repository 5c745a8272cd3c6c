// Integration: the local-path source reads bare and working repositories in place.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../../agent/contracts/errors.js';
import { createConfigSource } from '../../../agent/source/create-source.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { readDirTree, sourceSettings, tempDir } from '../../fixtures/source-helpers.js';

const BRANCH = 'hosts/edge-01';

/** Every path in a folder with its size and mtime, to prove nothing was written. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const st = fs.lstatSync(full);
      out.push(`${full} ${st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

for (const bare of [true, false]) {
  describe(`local source, ${bare ? 'bare' : 'working'} repository`, () => {
    let repo: TestRepo;
    let work: string;

    before(async () => {
      repo = await createTestRepo({ bare });
      work = tempDir('local-src');
    });
    after(async () => {
      await repo.remove();
      fs.rmSync(work, { recursive: true, force: true });
    });

    it('reads the head and exports a commit without writing into the repository', async () => {
      const c1 = await repo.commitFiles(BRANCH, { 'edge/compose.yaml': 'v1\n', 'edge/run.sh': { content: 'x', mode: 'executable' } }, 'v1');
      await repo.git(['gc', '-q']);
      const c2 = await repo.commitFiles(BRANCH, { 'edge/compose.yaml': 'v2\n' }, 'v2');
      const src = createConfigSource({ fs }, { settings: sourceSettings('local', repo.dir, { path: 'edge' }), gitDir: path.join(work, 'unused') });
      const before = snapshot(repo.dir);
      assert.equal(await src.head(), c2);
      const info = await src.checkout(c2, path.join(work, 'out2'));
      assert.equal(info.message, 'v2');
      assert.deepEqual(readDirTree(path.join(work, 'out2')), { 'compose.yaml': 'v2\n', 'run.sh': 'x' });
      // c1's objects are packed, c2's loose: both readable.
      await src.checkout(c1, path.join(work, 'out1'));
      assert.equal(readDirTree(path.join(work, 'out1'))['compose.yaml'], 'v1\n');
      assert.deepEqual(snapshot(repo.dir), before);
      assert.equal(fs.existsSync(path.join(work, 'unused')), false);
      assert.deepEqual(src.stats(), { roundTrips: 0, bytesIn: 0, bytesOut: 0 });
    });

    it('says BRANCH_NOT_FOUND for a missing branch and UNREACHABLE for a missing repository', async () => {
      const missingBranch = createConfigSource({ fs }, { settings: sourceSettings('local', repo.dir, { branch: 'hosts/none' }), gitDir: work });
      await assert.rejects(missingBranch.head(), (e: unknown) => e instanceof SourceError && e.code === 'BRANCH_NOT_FOUND');
      const gone = createConfigSource({ fs }, { settings: sourceSettings('local', path.join(work, 'no-such-repo')), gitDir: work });
      await assert.rejects(gone.head(), (e: unknown) => e instanceof SourceError && e.code === 'UNREACHABLE');
    });
  });
}
