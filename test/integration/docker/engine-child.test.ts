// The engine child against the private test engine: the daemon's writes run in a child process
// that lives for one sync. What it creates is what the spec says; the anonymous volumes of a
// removed container reach its successor across two children; a child killed mid-call fails that
// call as retryable and the next call starts another; a request it cannot read is refused.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DockerError } from '../../../agent/contracts/errors.js';
import { LABEL } from '../../../agent/contracts/observed.js';
import { engineChild, engineChildCommand, type EngineChild } from '../../../agent/executors/docker/engine-child.js';
import { lazyDockerEngine, type ReleasableEngine } from '../../../agent/executors/docker/lazy-engine.js';
import { cleanupHost, dockerSocket, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { minimalSpec, moorLabels } from '../../fixtures/container-spec.js';

const host = uniqueHostId('engchild');
const docker = testDocker();
const settings = { socketPath: dockerSocket(), host: null, port: null, configFile: null };
const child: EngineChild = engineChild({ command: engineChildCommand, init: { docker: settings, registries: [], dockerConfigFile: null } });
const engine: ReleasableEngine = lazyDockerEngine({ docker: settings, registries: [], dockerConfigFile: null, child });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

after(async () => {
  await engine.release();
  await cleanupHost(docker, host);
});

describe('the engine child', () => {
  it('creates, starts, stops and removes what the spec says, and ends when released', async () => {
    const spec = minimalSpec(host, 'web', { command: ['sh', '-c', 'echo ready; sleep 3600'], env: { GREETING: 'from the child' } });
    const id = await engine.createContainer(spec, moorLabels(spec, host));
    const pid = child.pid();
    assert.ok(pid !== null && alive(pid), 'a child runs the writes of this sync');
    assert.notEqual(pid, process.pid);
    await engine.startContainer(id);
    const seen = await engine.inspectContainer(spec.name);
    assert.equal(seen?.state, 'running');
    assert.equal(seen?.labels[LABEL.host], host);
    assert.equal((await docker.getContainer(id).inspect()).Config.Env.includes('GREETING=from the child'), true);
    assert.match(await engine.logs(spec.name, 10), /ready|^$/);
    await engine.stopContainer(spec.name, 1000);
    await engine.removeContainer(spec.name, { force: true });
    await engine.release();
    assert.equal(child.pid(), null);
    await until('the child to exit', () => !alive(pid));
  });

  it('creates a start-first replacement hidden from its service name and announces it, through the child', async () => {
    const net = `${host}_front`;
    await engine.createNetwork(
      { project: host, key: 'front', name: net, driver: 'bridge', driverOpts: {}, internal: true, enableIpv6: false, ipam: null, labels: {}, external: false, hash: 'n' },
      { [LABEL.managed]: 'true', [LABEL.host]: host },
    );
    const spec = minimalSpec(host, 'api', { command: ['sh', '-c', 'sleep 3600'], networks: [net], networkMode: null });
    const id = await engine.createContainer(spec, moorLabels(spec, host), { hidden: true });
    await engine.startContainer(id);
    const aliases = async (): Promise<string[]> => (await docker.getContainer(id).inspect()).NetworkSettings.Networks[net]?.Aliases ?? [];
    assert.ok(!(await aliases()).includes('api'), 'created without the service name');
    await engine.announceContainer(id, spec);
    assert.ok((await aliases()).includes('api'), 'announced under the service name');
    await engine.removeContainer(id, { force: true });
    await engine.release();
  });

  it('hands the anonymous volumes of a removed container to its successor made by the next child', async () => {
    const spec = minimalSpec(host, 'db', { command: ['sh', '-c', 'sleep 3600'], mounts: [{ type: 'volume', source: '', target: '/data', readOnly: false, noCopy: false }] });
    const first = await engine.createContainer(spec, moorLabels(spec, host));
    const anonymous = (await docker.getContainer(first).inspect()).Mounts.find((m) => m.Destination === '/data')?.Name;
    assert.ok(anonymous, 'the engine gave the container an anonymous volume');
    await engine.removeContainer(spec.name, { force: true });
    const firstChild = child.pid();
    await engine.release();
    const second = await engine.createContainer(spec, moorLabels(spec, host));
    assert.notEqual(child.pid(), firstChild, 'a new child made the successor');
    const carried = (await docker.getContainer(second).inspect()).Mounts.find((m) => m.Destination === '/data')?.Name;
    assert.equal(carried, anonymous);
    await engine.removeContainer(spec.name, { force: true });
    await engine.release();
  });

  it('fails the call of a child killed in the middle as retryable, and starts another for the next call', async () => {
    // busybox's sleep as PID 1 ignores SIGTERM: the stop waits its whole timeout.
    const spec = minimalSpec(host, 'slow', { command: ['sleep', '3600'] });
    await engine.createContainer(spec, moorLabels(spec, host));
    await engine.startContainer(spec.name);
    const pid = child.pid();
    assert.ok(pid !== null);
    const stopping = engine.stopContainer(spec.name, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, 'SIGKILL');
    await assert.rejects(stopping, (err: unknown) => err instanceof DockerError && err.code === 'ENGINE_CHILD_FAILED' && err.handling === 'retry');
    await engine.removeContainer(spec.name, { force: true });
    assert.notEqual(child.pid(), pid);
    await engine.release();
  });

  it('starts ahead of the writes when prepared, and the first write uses that child', async () => {
    assert.equal(child.pid(), null);
    engine.prepare();
    await until('the prepared child', () => child.pid() !== null);
    const prepared = child.pid();
    engine.prepare();
    assert.equal(child.pid(), prepared, 'prepared twice is one child');
    const spec = minimalSpec(host, 'early', { command: ['sleep', '3600'] });
    await engine.createContainer(spec, moorLabels(spec, host));
    assert.equal(child.pid(), prepared);
    await engine.removeContainer(spec.name, { force: true });
    await engine.release();
  });

  it('refuses a request it cannot read, as a bug on the agent\'s side', async () => {
    const bad = { name: 42 } as unknown as Parameters<ReleasableEngine['createContainer']>[0];
    const spec = minimalSpec(host, 'before-refusal', { command: ['sleep', '3600'] });
    await engine.createContainer(spec, moorLabels(spec, host));
    const pid = child.pid();
    assert.ok(pid !== null);
    await assert.rejects(engine.createContainer(bad, {}), (err: unknown) => err instanceof DockerError && err.handling === 'bug' && /refused a request: args/.test(err.message));
    // The child given up on does not linger (it would hold this process open).
    await until('the refusing child to be gone', () => !alive(pid));
    await engine.removeContainer(spec.name, { force: true });
    await engine.release();
  });
});
