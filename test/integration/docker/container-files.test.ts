// Secrets and configs from `environment:` sources are written into the container at create,
// with their mode, before it starts (docker compose copies them in the same way).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDockerEngine } from '../../../agent/executors/docker/dockerode-engine.js';
import { cleanupHost, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { minimalSpec, moorLabels } from '../../fixtures/container-spec.js';

const host = uniqueHostId('files');
const docker = testDocker();
const engine = createDockerEngine({ docker }, { registries: [], dockerConfigFile: null });

after(() => cleanupHost(docker, host));

test('a container file is in place, with its mode, when the container starts', async () => {
  const spec = minimalSpec(host, 'web', {
    command: ['sh', '-c', 'stat -c %a /run/secrets/api; cat /run/secrets/api'],
    files: [{ target: '/run/secrets/api', variable: 'API_KEY', contentBase64: Buffer.from('abc').toString('base64'), mode: 0o400, uid: '0', gid: '0' }],
  });
  const id = await engine.createContainer(spec, moorLabels(spec, host));
  const container = docker.getContainer(id);
  await container.start();
  const result: { StatusCode: number } = await container.wait();
  assert.equal(result.StatusCode, 0);
  const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
  assert.match(logs, /400[\s\S]*abc/);
});
