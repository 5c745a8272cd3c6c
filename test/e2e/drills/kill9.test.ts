// Drill: kill -9 of the agent at random moments while it applies, 20 times (100 in bench/):
// every time it converges after restart, with no duplicate or orphan container and a sound SQLite.
// And kill -9 of the engine child (the process that runs a sync's writes) in the middle of
// applies, and of the load child (the process that reads a new commit) while it reads: the agent
// lives on, and converges exactly all the same.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerSocket, uniqueHostId } from '../../bed/docker-env.js';
import { runKillDrill } from '../../drills/kill-drill.js';

describe('kill -9 while applying', () => {
  it('converges after every restart, with no duplicate or orphan container and an intact state.db', async () => {
    const rounds = await runKillDrill({ host: uniqueHostId('kill'), dockerSocket: dockerSocket(), count: Number(process.env['MOOR_DRILL_KILLS'] ?? 20), services: 8 });
    for (const r of rounds) {
      assert.equal(r.integrity, 'ok', `round ${r.round}: integrity_check`);
      assert.deepEqual(r.divergence, [], `round ${r.round} (killed after ${r.killAfterMs} ms)`);
    }
    // The kills must land in applies, or the drill proves nothing.
    assert.ok(rounds.filter((r) => r.midApply).length >= rounds.length / 4, `only ${rounds.filter((r) => r.midApply).length} kills interrupted an apply`);
  });

  it('converges after the engine child is killed in the middle of applies, with no duplicate or orphan container', async () => {
    const rounds = await runKillDrill({ host: uniqueHostId('killchild'), dockerSocket: dockerSocket(), count: Number(process.env['MOOR_DRILL_CHILD_KILLS'] ?? 10), services: 8, target: 'engine-child', maxKillMs: 1200 });
    for (const r of rounds) {
      assert.equal(r.integrity, 'ok', `round ${r.round}: integrity_check`);
      assert.deepEqual(r.divergence, [], `round ${r.round} (engine child killed after ${r.killAfterMs} ms)`);
    }
    assert.ok(rounds.filter((r) => r.midApply).length >= rounds.length / 4, `only ${rounds.filter((r) => r.midApply).length} kills found an engine child at work`);
  });

  it('converges after the load child is killed while it reads the new commit, and marks nothing invalid', async () => {
    const rounds = await runKillDrill({ host: uniqueHostId('killload'), dockerSocket: dockerSocket(), count: Number(process.env['MOOR_DRILL_LOAD_KILLS'] ?? 4), services: 4, target: 'load-child' });
    for (const r of rounds) {
      assert.equal(r.integrity, 'ok', `round ${r.round}: integrity_check`);
      assert.deepEqual(r.divergence, [], `round ${r.round}`);
      assert.ok(r.midApply, `round ${r.round}: no load child was found to kill`);
    }
  });
});
