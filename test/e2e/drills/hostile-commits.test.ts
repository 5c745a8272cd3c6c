// Drill: a sample of the malformed and hostile corpus (test/unit/corpus) committed to a real git
// server and synced by a real agent: none applied even partly, each error names file and key,
// and the agent stays up and applies the next good commit.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigProblem } from '../../../agent/contracts/errors.js';
import type { FileContent } from '../../bed/git-repo.js';
import { dockerSocket, uniqueHostId } from '../../bed/docker-env.js';
import { DrillHost, stackCompose } from '../../drills/drill-host.js';
import { corpusCases } from '../../unit/corpus/cases.js';
import { shortfall } from '../../unit/corpus/corpus-dir.js';

const SAMPLE = 20;

describe('hostile commits through a real agent', () => {
  let drill: DrillHost;
  const good = stackCompose('hostile', 3, () => ({ V: '1' }));
  before(async () => {
    drill = await DrillHost.create({ host: uniqueHostId('hostile'), project: 'hostile', dockerSocket: dockerSocket(), intervalMs: 3_600_000 });
    const first = await drill.commit({ 'compose.yaml': good }, 'good');
    drill.start();
    await drill.waitApplied(first);
  });
  after(async () => {
    await drill?.close();
  });

  it(`refuses ${SAMPLE} hostile commits whole, naming file and key, and stays up`, async () => {
    const all = corpusCases().filter((c) => !Object.keys(c.files).some((f) => f.includes('\u0000')));
    const step = Math.floor(all.length / SAMPLE);
    const sample = Array.from({ length: SAMPLE }, (_, i) => all[i * step]).filter((c) => c !== undefined);
    const ids = (await drill.containers()).map((c) => `${c.Id}:${c.State}`).sort();
    const applied = (await drill.status()).revision.applied;
    let previous = new Set<string>(['compose.yaml']);
    const failures: string[] = [];
    for (const c of sample) {
      const files: Record<string, FileContent> = {};
      for (const p of previous) files[p] = null;
      for (const [p, v] of Object.entries(c.files)) files[p] = typeof v === 'string' ? v : { content: v.symlink, mode: 'symlink' };
      previous = new Set(Object.keys(c.files));
      const head = await drill.commit(files, `hostile: ${c.name}`);
      const outcome = await drill.sync();
      const problems = ((outcome.error?.data as { problems?: ConfigProblem[] } | undefined)?.problems ?? []);
      if (outcome.result !== 'invalid') failures.push(`${c.name}: result ${outcome.result} (${outcome.error?.message ?? ''})`);
      else {
        const why = shortfall(c, problems);
        if (why) failures.push(`${c.name}: ${why}`);
      }
      if (outcome.commit !== head) failures.push(`${c.name}: judged ${outcome.commit} not ${head}`);
      const now = (await drill.containers()).map((x) => `${x.Id}:${x.State}`).sort();
      if (JSON.stringify(now) !== JSON.stringify(ids)) failures.push(`${c.name}: containers changed`);
      if ((await drill.status()).revision.applied !== applied) failures.push(`${c.name}: the applied revision moved`);
    }
    assert.deepEqual(failures, []);
    assert.equal(drill.agent?.exited(), false);
    // And the next good commit is applied as usual.
    const files: Record<string, FileContent> = { 'compose.yaml': stackCompose('hostile', 3, () => ({ V: '2' })) };
    for (const p of previous) if (p !== 'compose.yaml') files[p] = null;
    const fixed = await drill.commit(files, 'fixed');
    assert.equal((await drill.sync()).result, 'converged');
    await drill.waitApplied(fixed);
    assert.deepEqual(await drill.divergence(stackCompose('hostile', 3, () => ({ V: '2' }))), []);
  });
});
