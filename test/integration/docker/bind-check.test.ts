// Bind sources are resolved on the host right before create, against the private engine: a
// symlink planted under a bind root that leads out of it is refused, naming service and source.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createDockerEngine } from '../../../agent/executors/docker/dockerode-engine.js';
import { DockerError } from '../../../agent/contracts/errors.js';
import { LABEL } from '../../../agent/contracts/observed.js';
import { cleanupHost, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { minimalSpec, moorLabels } from '../../fixtures/container-spec.js';

const host = uniqueHostId('bindcheck');
const docker = testDocker();
let root = '';
let engine: ReturnType<typeof createDockerEngine>;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'moor-bindroot-'));
  await mkdir(join(root, 'data'));
  // What a container allowed the root could plant there.
  await symlink('/', join(root, 'x'));
  await symlink('/var/run', join(root, 'run-link'));
  engine = createDockerEngine({ docker }, { registries: [], dockerConfigFile: null, bindRoots: [root] });
});

after(async () => {
  await cleanupHost(docker, host);
  await rm(root, { recursive: true, force: true });
});

const bindSpec = (service: string, source: string): ReturnType<typeof minimalSpec> =>
  minimalSpec(host, service, { command: ['sleep', '60'], networkMode: 'none', mounts: [{ type: 'bind', source, target: '/host', readOnly: true, repoPath: null, propagation: null, selinux: null }] });

test('refuses a bind source that is a symlink to / under the bind root, naming service and source', async () => {
  const spec = bindSpec('escape', join(root, 'x'));
  await assert.rejects(engine.createContainer(spec, moorLabels(spec, host)), (err: unknown) => {
    assert.ok(err instanceof DockerError);
    assert.equal(err.code, 'BIND_ESCAPE');
    assert.equal(err.handling, 'commit');
    assert.match(err.message, new RegExp(`service escape: bind source ${join(root, 'x')} resolves on the host to /,`));
    return true;
  });
  const made = await docker.listContainers({ all: true, filters: { label: [`${LABEL.host}=${host}`] } });
  assert.deepEqual(made, []);
});

test('refuses a path through a planted symlink, and one that does not exist yet below it', async () => {
  for (const source of [join(root, 'run-link', 'docker.sock'), join(root, 'x', 'etc', 'not-yet', 'deeper')]) {
    const spec = bindSpec('through', source);
    await assert.rejects(engine.createContainer(spec, moorLabels(spec, host)), /BIND_ESCAPE|outside policy\.allowedBindRoots/);
  }
});

test('creates a container whose bind source really is under the root', async () => {
  const spec = bindSpec('fine', join(root, 'data'));
  const id = await engine.createContainer(spec, moorLabels(spec, host));
  assert.match(id, /^[0-9a-f]{64}$/);
});

test('refuses a bind-type volume whose device resolves outside the roots', async () => {
  const volume = { project: host, key: 'data', name: `${host}_data`, driver: 'local', driverOpts: { type: 'none', o: 'bind', device: join(root, 'x') }, labels: {}, external: false, hash: 'v' };
  await assert.rejects(engine.createVolume(volume, { [LABEL.managed]: 'true', [LABEL.host]: host }), /volume data: volume device .* resolves on the host to \//);
});
