// The branch tips a restarted hub reads to recognise its own pushes, from a real git repository.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { systemGit } from '../../../fleet/git.js';
import { readBranchTips } from '../../../hub/rollouts/repo-tips.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';

const FLEET = 'f'.repeat(40);

describe('reading host branch tips', () => {
  let repo: TestRepo;
  after(async () => repo?.remove());

  it('gives each tip its parent, committer time and fleet-commit trailer, and leaves out hosts without a branch', async () => {
    repo = await createTestRepo({ bare: true });
    const first = await repo.commitFiles('hosts/a', { 'compose.yaml': 'a: 1\n' }, 'fleet: a\n\nMoor-Fleet-Commit: ' + 'e'.repeat(40) + '\n');
    const second = await repo.commitFiles('hosts/a', { 'compose.yaml': 'a: 2\n' }, 'fleet: a\n\nMoor-Fleet-Commit: ' + FLEET + '\n');
    const byHand = await repo.commitFiles('hosts/c', { 'compose.yaml': 'c: 1\n' }, 'edited by hand');
    const tips = await readBranchTips(systemGit(), repo.dir, process.env, new Map([['a', 'hosts/a'], ['b', 'hosts/b'], ['c', 'hosts/c']]));
    const time = async (c: string): Promise<number> => Number((await repo.git(['log', '-1', '--format=%ct', c])).trim()) * 1000;
    assert.deepEqual(tips.get('a'), { commit: second, parent: first, fleetCommit: FLEET, committedAt: await time(second) });
    assert.deepEqual(tips.get('c'), { commit: byHand, parent: null, fleetCommit: null, committedAt: await time(byHand) });
    assert.equal(tips.has('b'), false);
  });
});
