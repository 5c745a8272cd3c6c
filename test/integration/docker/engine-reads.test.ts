// The engine reads over plain node:http (what every sync observes, without dockerode) give the
// same answers as the dockerode adapter's reads, on the private test engine.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDockerEngine } from '../../../agent/executors/docker/dockerode-engine.js';
import { engineHttp } from '../../../agent/executors/docker/engine-http.js';
import { createEngineReads } from '../../../agent/executors/docker/engine-reads.js';
import { DockerError } from '../../../agent/contracts/errors.js';
import { LABEL } from '../../../agent/contracts/observed.js';
import { cleanupHost, createForeignContainer, dockerSocket, removeContainers, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { minimalSpec } from '../../fixtures/container-spec.js';

const host = uniqueHostId('reads');
const docker = testDocker();
const viaDockerode = createDockerEngine({ docker }, { registries: [], dockerConfigFile: null });
const reads = createEngineReads(engineHttp({ socketPath: dockerSocket(), host: null, port: null, configFile: null }));
const labels = { [LABEL.managed]: 'true', [LABEL.host]: host };
const foreign = `${host}-compose`;

before(async () => {
  await viaDockerode.createNetwork({ project: host, key: 'net', name: `${host}_net`, driver: 'bridge', driverOpts: {}, internal: true, enableIpv6: false, ipam: null, labels: {}, external: false, hash: 'n' }, labels);
  await viaDockerode.createVolume({ project: host, key: 'data', name: `${host}_data`, driver: 'local', driverOpts: {}, labels: {}, external: false, hash: 'v' }, labels);
  for (const s of ['a', 'b']) await viaDockerode.createContainer(minimalSpec(host, s, { env: { S: s } }), labels);
  await viaDockerode.startContainer(`${host}-a`);
  await createForeignContainer(docker, foreign, { labels: { 'com.docker.compose.project': host } });
});

after(async () => {
  await cleanupHost(docker, host);
  await removeContainers(docker, [foreign]);
});

test('the listing of containers, networks and volumes is the one the dockerode adapter gives', async () => {
  const [mine, theirs] = await Promise.all([reads.listContainers(host), viaDockerode.listContainers(host)]);
  const byName = <T extends { name: string }>(xs: T[]): T[] => [...xs].sort((x, y) => (x.name < y.name ? -1 : 1));
  assert.deepEqual(byName(mine.managed), byName(theirs.managed));
  assert.equal(mine.managed.length, 2);
  assert.deepEqual(mine.otherNames, theirs.otherNames);
  assert.ok(mine.otherNames.includes(foreign));
  assert.deepEqual(mine.others, theirs.others);
  assert.deepEqual(await reads.listNetworks(host), await viaDockerode.listNetworks(host));
  assert.deepEqual(await reads.listVolumes(host), await viaDockerode.listVolumes(host));
  assert.equal((await reads.listNetworks(host)).length, 1);
});

test('inspect, image presence and foreign names answer as the dockerode adapter does, null or false when absent', async () => {
  assert.deepEqual(await reads.inspectContainer(`${host}-a`), await viaDockerode.inspectContainer(`${host}-a`));
  assert.equal(await reads.inspectContainer(`${host}-none`), null);
  assert.equal(await reads.imagePresent('local/busybox:1'), true);
  assert.equal(await reads.imagePresent('local/busybox:does-not-exist'), false);
  const names = { volumes: [`${host}_data`, `${host}_nope`], networks: [`${host}_net`] };
  assert.deepEqual(await reads.foreignNamed(names, host), await viaDockerode.foreignNamed?.(names, host));
  assert.deepEqual(await reads.foreignNamed(names, 'another-host'), await viaDockerode.foreignNamed?.(names, 'another-host'));
  await reads.ping();
});

test('an engine that is not there is ENGINE_UNREACHABLE, a retry, as with dockerode', async () => {
  const gone = createEngineReads(engineHttp({ socketPath: '/nonexistent/docker.sock', host: null, port: null, configFile: null }));
  await assert.rejects(gone.listContainers(host), (err: unknown) => err instanceof DockerError && err.code === 'ENGINE_UNREACHABLE' && err.handling === 'retry');
  await assert.rejects(gone.ping(), (err: unknown) => err instanceof DockerError && err.code === 'ENGINE_UNREACHABLE');
});
