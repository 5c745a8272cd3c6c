// Drill: the Docker engine stops answering under a running agent (requests accepted, never
// answered, as a dockerd wedged in libnetwork does; here a socket in front of the real engine).
// The agent keeps its control socket, says "engine not answering", and recovers by itself.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatStatus } from '../../../agent/cli/format.js';
import { dockerSocket, uniqueHostId } from '../../bed/docker-env.js';
import { WedgeProxy } from '../../bed/wedge-proxy.js';
import { DrillHost, sleep, stackCompose } from '../../drills/drill-host.js';

describe('the Docker engine stops answering under the agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-wedged-'));
  let proxy: WedgeProxy;
  let drill: DrillHost;

  before(async () => {
    proxy = await WedgeProxy.start({ socketPath: join(dir, 'docker.sock'), target: dockerSocket() });
    drill = await DrillHost.create({ host: uniqueHostId('wedged'), project: 'wedged', dockerSocket: proxy.socketPath, intervalMs: 2000 });
    const first = await drill.commit({ 'compose.yaml': stackCompose('wedged', 2) }, 'first');
    drill.start({ MOOR_ENGINE_TIMEOUT_MS: '1500' });
    await drill.waitApplied(first, 60_000);
  });

  after(async () => {
    proxy?.unwedge();
    await drill?.close();
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers on its control socket, says the engine is not answering, and recovers when it answers again', async () => {
    proxy.wedge();
    const outcome = await drill.sync();
    assert.equal(outcome.result, 'error');
    assert.equal(outcome.error?.code, 'ENGINE_NOT_ANSWERING');

    const asked = Date.now();
    const status = await drill.status();
    // The control socket must answer while the engine hangs: an engine wait would be minutes.
    assert.ok(Date.now() - asked < 30_000, `status took ${Date.now() - asked} ms`);
    assert.equal(status.engine?.ok, false);
    assert.match(formatStatus(status), /engine: +not answering since/);
    assert.equal(drill.agent?.exited(), false);

    proxy.unwedge();
    const deadline = Date.now() + 60_000;
    let back = await drill.status();
    while (back.engine?.ok !== true && Date.now() < deadline) {
      await sleep(250);
      back = await drill.status();
    }
    assert.equal(back.engine?.ok, true, 'the agent noticed the engine answers again');
  });
});
