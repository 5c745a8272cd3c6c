// healthcheck.start_interval needs Docker Engine 25 (API 1.44): below that moor does not send
// it and says so once; the spec (and so its hash, what a no-op sync compares) is not changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiAtLeast, forEngine, onceEngineNotices, startIntervalNotice, startIntervalNoticeFor } from '../../../../agent/executors/docker/engine-api.js';
import type { ContainerEngine } from '../../../../agent/executors/docker/port.js';
import type { ContainerSpec } from '../../../../agent/desired/model.js';
import { container } from '../../planner/fixtures.js';

const health = (startIntervalMs: number): ContainerSpec['healthcheck'] => ({ test: ['CMD', 'true'], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0, startIntervalMs });
const withStart = container('web', { healthcheck: health(2000) });
const without = container('db', { healthcheck: health(0) });

/** An engine that only answers its API version, and counts how often it was asked. */
function engineAt(version: string | null): { engine: ContainerEngine; asked: () => number } {
  let asked = 0;
  const refuse = (): never => assert.fail('unexpected engine call');
  const engine = new Proxy({} as ContainerEngine, {
    get: (_, key) => (key === 'apiVersion' ? () => ((asked += 1), Promise.resolve(version)) : key === 'then' ? undefined : refuse),
  });
  return { engine, asked: () => asked };
}

describe('start_interval and the engine API version', () => {
  it('compares API versions by number', () => {
    assert.equal(apiAtLeast('1.44', '1.44'), true);
    assert.equal(apiAtLeast('1.45', '1.44'), true);
    assert.equal(apiAtLeast('1.41', '1.44'), false);
    assert.equal(apiAtLeast('1.100', '1.44'), true);
    assert.equal(apiAtLeast('2.0', '1.44'), true);
  });
  it('is sent from API 1.44, or when the version is unknown; dropped below, with the rest kept', () => {
    assert.equal(forEngine(withStart, '1.44'), withStart);
    assert.equal(forEngine(withStart, null), withStart);
    const old = forEngine(withStart, '1.41');
    assert.deepEqual(old.healthcheck, health(0));
    assert.equal(old.hash, withStart.hash, 'the hash a no-op sync compares is the spec’s, not the engine’s');
    assert.equal(withStart.healthcheck?.startIntervalMs, 2000, 'the spec itself is not changed');
  });
  it('gives one notice naming the services, only below API 1.44', () => {
    assert.equal(
      startIntervalNotice([withStart, without, container('api', { healthcheck: health(500) })], '1.41'),
      'services api, web: healthcheck.start_interval needs Docker Engine 25 (API 1.44); this engine (API 1.41) ignores it',
    );
    assert.equal(startIntervalNotice([withStart], '1.44'), null);
    assert.equal(startIntervalNotice([without], '1.41'), null);
    assert.equal(startIntervalNotice([withStart], null), null);
  });
  it('asks the engine only when a service sets start_interval', async () => {
    const e = engineAt('1.41');
    assert.equal(await startIntervalNoticeFor(e.engine, [without]), null);
    assert.equal(e.asked(), 0);
    assert.match((await startIntervalNoticeFor(e.engine, [withStart])) ?? '', /this engine \(API 1\.41\) ignores it/);
  });
  it('is said once by the agent, however many syncs load the same commit', async () => {
    const said: string[] = [];
    const note = onceEngineNotices((m) => said.push(m));
    const { engine } = engineAt('1.41');
    for (let i = 0; i < 3; i++) await note(engine, [withStart]);
    assert.equal(said.length, 1);
  });
});
