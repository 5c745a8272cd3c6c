// Drill: the git server unreachable for many polls, then back. Containers stay untouched while it
// is down, `moor status --json` says why, and the commit pushed meanwhile lands within one poll.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dockerSocket, uniqueHostId } from '../../bed/docker-env.js';
import { moor } from '../../bed/agent-process.js';
import { DrillHost, sleep, stackCompose } from '../../drills/drill-host.js';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';

const INTERVAL_MS = 2000;

describe('git server down for many polls, then back', () => {
  let drill: DrillHost;
  let first = '';
  before(async () => {
    drill = await DrillHost.create({ host: uniqueHostId('gitdown'), project: 'gitdown', dockerSocket: dockerSocket(), intervalMs: INTERVAL_MS, gate: true });
    first = await drill.commit({ 'compose.yaml': stackCompose('gitdown', 3, () => ({ V: '1' })) }, 'first');
    drill.start();
    await drill.waitApplied(first);
  });
  after(async () => {
    await drill?.close();
  });

  it('keeps every container untouched while git is unreachable and says why', async () => {
    const ids = (await drill.containers()).map((c) => `${c.Id}:${c.State}`).sort();
    await drill.gate?.shut();
    const second = await drill.commit({ 'compose.yaml': stackCompose('gitdown', 3, () => ({ V: '2' })) }, 'pushed while the host is cut off');
    // Six intervals: several failed polls (backoff is capped at the interval).
    for (let i = 0; i < 12; i++) {
      await sleep(INTERVAL_MS / 2);
      assert.deepEqual((await drill.containers()).map((c) => `${c.Id}:${c.State}`).sort(), ids, 'a container changed while git was down');
    }
    const r = await moor(['--config', drill.config, '--json', 'status']);
    assert.equal(r.code, 0, r.stderr);
    const status = JSON.parse(r.stdout) as StatusSnapshot;
    assert.equal(status.revision.applied, first, 'the last good commit stays applied');
    assert.equal(status.source?.ok, false);
    assert.match(status.source?.error?.message ?? '', /127\.0\.0\.1|ECONNREFUSED|unreachable|connect/i);
    assert.match(status.source?.error?.code ?? '', /UNREACHABLE|SOURCE/);
    assert.equal(status.lastSync?.result, 'error');
    assert.notEqual(second, first);
  });

  it('sees the branch again within one poll of git coming back and applies the new commit', async () => {
    const head = (await drill.repo.git(['rev-parse', drill.branch])).trim();
    await drill.gate?.open();
    const back = Date.now();
    let seen = 0;
    while (Date.now() - back < 30_000) {
      const s = await drill.status();
      if (s.source?.ok) {
        seen = Date.now() - back;
        break;
      }
      await sleep(50);
    }
    assert.ok(seen > 0 && seen <= INTERVAL_MS * 1.2 + 500, `git seen again after ${seen} ms, one poll is ${INTERVAL_MS} ms ±20 %`);
    await drill.waitApplied(head, 30_000);
    assert.deepEqual(await drill.divergence(stackCompose('gitdown', 3, () => ({ V: '2' }))), []);
  });
});
