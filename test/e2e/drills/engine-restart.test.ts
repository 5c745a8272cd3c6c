// Drill: the Docker engine restarted under the agent in the middle of an apply (a second private
// engine, so the shared one is not disturbed). The agent stays up and converges once it is back.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueHostId } from '../../bed/docker-env.js';
import { DrillHost, sleep, stackCompose } from '../../drills/drill-host.js';
import { SecondEngine } from '../../drills/second-engine.js';

describe('the Docker engine restarted under the agent mid-apply', () => {
  let engine: SecondEngine;
  let drill: DrillHost;

  before(async () => {
    engine = await SecondEngine.start();
    drill = await DrillHost.create({ host: uniqueHostId('engine'), project: 'engine', dockerSocket: engine.socket, intervalMs: 2000 });
    const first = await drill.commit({ 'compose.yaml': stackCompose('engine', 8, () => ({ V: '1' })) }, 'first');
    drill.start();
    await drill.waitApplied(first, 60_000);
  });

  after(async () => {
    await drill?.close();
    await engine?.stop();
  });

  it('survives the restart and converges on the commit it was applying', async () => {
    const compose = stackCompose('engine', 8, () => ({ V: '2' }));
    const head = await drill.commit({ 'compose.yaml': compose }, 'second');
    const syncing = drill.sync().catch((err: unknown) => ({ result: `control error: ${String(err)}` }));
    await sleep(300);
    await engine.restart();
    const outcome = await syncing;
    assert.ok(outcome.result, 'the sync answered');
    await drill.waitApplied(head, 60_000);
    // Containers without a restart policy are stopped by the engine restart: self-heal starts them.
    const deadline = Date.now() + 30_000;
    let divergence = await drill.divergence(compose);
    while (divergence.length > 0 && Date.now() < deadline) {
      await sleep(500);
      divergence = await drill.divergence(compose);
    }
    assert.deepEqual(divergence, []);
    assert.equal(drill.agent?.exited(), false);
  });
});
