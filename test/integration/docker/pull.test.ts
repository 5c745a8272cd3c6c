// Pulls through the adapter from a real registry with basic auth (Debian's docker-registry):
// configured credentials work, a Docker config.json works, a wrong password is retried later.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createDockerEngine } from '../../../agent/executors/docker/dockerode-engine.js';
import { DockerError } from '../../../agent/contracts/errors.js';
import { dockerSocket, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { pushImage, startRegistry, type TestRegistry } from '../../bed/registry.js';

const docker = testDocker();
const repo = uniqueHostId('moor/busybox');
let registry: TestRegistry;
let remote = '';
let configDir = '';

async function removeLocal(ref: string): Promise<void> {
  await docker.getImage(ref).remove().catch(() => undefined);
}

before(async () => {
  registry = await startRegistry({ username: 'fleet', password: 'correct horse' });
  remote = `${registry.host}/${repo}:1`;
  await pushImage(dockerSocket(), registry, 'local/busybox:1', remote);
  configDir = await mkdtemp(join(tmpdir(), 'moor-pull-'));
});

after(async () => {
  await removeLocal(remote);
  await registry?.stop();
  await rm(configDir, { recursive: true, force: true });
});

test('an image pushed to a private registry is pulled with the configured credentials', async () => {
  const engine = createDockerEngine(
    { docker },
    { registries: [{ host: registry.host, username: 'fleet', password: 'correct horse' }], dockerConfigFile: null },
  );
  assert.equal(await engine.imagePresent(remote), false);
  await engine.pullImage(remote);
  assert.equal(await engine.imagePresent(remote), true);
  const local = await docker.getImage('local/busybox:1').inspect();
  const pulled = await docker.getImage(remote).inspect();
  assert.equal(pulled.Id, local.Id);
  await removeLocal(remote);
});

test('credentials come from a Docker config.json when agent.yaml has none for the registry', async () => {
  const file = join(configDir, 'config.json');
  const auth = Buffer.from('fleet:correct horse').toString('base64');
  await writeFile(file, JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }));
  const engine = createDockerEngine({ docker }, { registries: [], dockerConfigFile: file });
  await engine.pullImage(remote);
  assert.equal(await engine.imagePresent(remote), true);
  await removeLocal(remote);
});

test('a wrong password fails the pull with a DockerError to retry', async () => {
  const engine = createDockerEngine(
    { docker },
    { registries: [{ host: registry.host, username: 'fleet', password: 'wrong' }], dockerConfigFile: null },
  );
  const err = await engine.pullImage(remote).catch((e: unknown) => e);
  assert.ok(err instanceof DockerError);
  assert.equal(err.code, 'PULL_FAILED');
  assert.equal(err.handling, 'retry');
  assert.ok(err.cause instanceof Error);
  assert.doesNotMatch(JSON.stringify(err.toJSON()), /wrong/, 'the password never appears in the error');
  assert.equal(await engine.imagePresent(remote), false);
});

test('an image the registry does not have fails the commit, not a retry', async () => {
  const engine = createDockerEngine(
    { docker },
    { registries: [{ host: registry.host, username: 'fleet', password: 'correct horse' }], dockerConfigFile: null },
  );
  const err = await engine.pullImage(`${registry.host}/${repo}:no-such-tag`).catch((e: unknown) => e);
  assert.ok(err instanceof DockerError);
  assert.equal(err.code, 'IMAGE_NOT_FOUND');
  assert.equal(err.handling, 'commit');
});

test('a registry that is down is retried', async () => {
  const engine = createDockerEngine({ docker }, { registries: [], dockerConfigFile: null });
  const err = await engine.pullImage('127.0.0.1:1/moor/nothing:1').catch((e: unknown) => e);
  assert.ok(err instanceof DockerError);
  assert.equal(err.handling, 'retry');
});
