// Every engine call has a deadline: against the real private engine behind a socket that stops
// answering (as dockerd 20.10 does when it deadlocks in libnetwork), calls fail with
// ENGINE_NOT_ANSWERING in time, the engine is reported as not answering, and it is back once
// it answers again.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Dockerode from 'dockerode';
import { DockerError } from '../../../agent/contracts/errors.js';
import { createDockerEngine } from '../../../agent/executors/docker/dockerode-engine.js';
import { withTimeouts, type EngineHealth, type GuardedEngine } from '../../../agent/executors/docker/timeouts.js';
import { dockerSocket, uniqueHostId } from '../../bed/docker-env.js';
import { WedgeProxy } from '../../bed/wedge-proxy.js';

describe('an engine that stops answering', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-wedge-'));
  const host = uniqueHostId('wedge');
  const changes: EngineHealth[] = [];
  let proxy: WedgeProxy;
  let engine: GuardedEngine;

  before(async () => {
    proxy = await WedgeProxy.start({ socketPath: join(dir, 'docker.sock'), target: dockerSocket() });
    engine = withTimeouts(
      createDockerEngine({ docker: new Dockerode({ socketPath: proxy.socketPath }) }, { registries: [], dockerConfigFile: null }),
      { now: () => new Date(), onChange: (h) => void changes.push(h) },
      { callMs: 1_500, pullMs: 5_000 },
    );
  });

  after(async () => {
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers through the proxy while the engine does', async () => {
    await engine.listContainers(host);
    assert.equal(engine.health().ok, true);
  });

  it('fails a call with ENGINE_NOT_ANSWERING at its deadline instead of waiting for ever', async () => {
    proxy.wedge();
    const started = Date.now();
    await assert.rejects(engine.listContainers(host), (err: unknown) => err instanceof DockerError && err.code === 'ENGINE_NOT_ANSWERING' && err.handling === 'retry');
    const took = Date.now() - started;
    assert.ok(took >= 1_400 && took < 15_000, `gave up after ${took} ms`);
    await assert.rejects(engine.inspectContainer('anything'), /did not answer inspectContainer/);
  });

  it('says the engine is not answering, since when, and tells who listens once', () => {
    const health = engine.health();
    assert.equal(health.ok, false);
    assert.ok(health.since);
    assert.match(health.error ?? '', /did not answer listContainers/);
    assert.deepEqual(changes.map((c) => c.ok), [false]);
  });

  it('is back once the engine answers again', async () => {
    proxy.unwedge();
    await engine.listContainers(host);
    assert.equal(engine.health().ok, true);
    assert.deepEqual(changes.map((c) => c.ok), [false, true]);
  });
});
