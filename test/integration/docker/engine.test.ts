// The dockerode adapter against the private test engine: what it creates is what the spec says,
// what it lists is this host's, and what it throws is a DockerError with its cause.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Dockerode from 'dockerode';
import { createDockerEngine } from '../../../agent/executors/docker/dockerode-engine.js';
import { DockerError } from '../../../agent/contracts/errors.js';
import { LABEL } from '../../../agent/contracts/observed.js';
import { cleanupHost, createForeignContainer, removeContainers, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { minimalSpec, moorLabels } from '../../fixtures/container-spec.js';

const host = uniqueHostId('engine');
const docker = testDocker();
const engine = createDockerEngine({ docker }, { registries: [], dockerConfigFile: null });
const foreignName = `${host}-foreign`;
let bindDir = '';

before(async () => {
  bindDir = await mkdtemp(join(tmpdir(), 'moor-bind-'));
});

after(async () => {
  await cleanupHost(docker, host);
  await removeContainers(docker, [foreignName]);
  await rm(bindDir, { recursive: true, force: true });
});

test('a container created from a full spec carries every field of it', async () => {
  const nets = [`${host}_front`, `${host}_back`];
  for (const name of nets) {
    await engine.createNetwork(
      { project: host, key: name, name, driver: 'bridge', driverOpts: {}, internal: true, enableIpv6: false, ipam: null, labels: {}, external: false, hash: 'n' },
      { [LABEL.managed]: 'true', [LABEL.host]: host },
    );
  }
  const volume = `${host}_data`;
  await engine.createVolume(
    { project: host, key: 'data', name: volume, driver: 'local', driverOpts: {}, labels: { tier: 'db' }, external: false, hash: 'v' },
    { [LABEL.managed]: 'true', [LABEL.host]: host },
  );
  const spec = minimalSpec(host, 'full', {
    command: ['sh', '-c', 'sleep 3600'],
    entrypoint: ['/bin/env'],
    env: { A: '1', B: 'two words' },
    ports: [{ hostIp: '127.0.0.1', hostPort: null, containerPort: 8080, protocol: 'tcp' }],
    mounts: [
      { type: 'bind', source: bindDir, target: '/srv/bind', readOnly: true, repoPath: null, propagation: null, selinux: null },
      { type: 'volume', source: volume, target: '/data', readOnly: false, noCopy: false },
      { type: 'tmpfs', target: '/scratch', options: 'size=1m' },
    ],
    restart: 'on-failure:3',
    labels: { 'com.example.team': 'edge' },
    healthcheck: { test: ['CMD-SHELL', 'true'], intervalMs: 2000, timeoutMs: 1000, retries: 2, startPeriodMs: 500, startIntervalMs: 0 },
    networks: [...nets],
    networkMode: null,
    user: 'nobody',
    workingDir: '/tmp',
    hostname: 'moor-full',
    extraHosts: ['db.local:127.0.0.1'],
    devices: [{ hostPath: '/dev/null', containerPath: '/dev/xnull', permissions: 'rwm' }],
    capAdd: ['NET_ADMIN'],
    capDrop: ['MKNOD'],
    stopGracePeriodMs: 2500,
    stopSignal: 'SIGINT',
    memLimitBytes: 64 * 1024 * 1024,
    nanoCpus: 500_000_000,
    logging: { driver: 'json-file', options: { 'max-size': '1m' } },
    init: true,
    readOnly: true,
  });
  const labels = moorLabels(spec, host);
  const id = await engine.createContainer(spec, labels);
  const info = await docker.getContainer(id).inspect();
  const c = info.Config as typeof info.Config & { StopSignal?: string; StopTimeout?: number };
  const hc = info.HostConfig;

  assert.equal(info.Name, `/${spec.name}`);
  assert.equal(c.Image, 'local/busybox:1');
  assert.deepEqual(c.Cmd, ['sh', '-c', 'sleep 3600']);
  assert.deepEqual(c.Entrypoint, ['/bin/env']);
  assert.ok(c.Env.includes('A=1') && c.Env.includes('B=two words'));
  assert.deepEqual(c.Labels, { ...labels, 'com.example.team': 'edge' });
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['8080/tcp']);
  assert.deepEqual(hc.PortBindings, { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  assert.deepEqual(hc.Binds, [`${bindDir}:/srv/bind:ro`]);
  assert.deepEqual(hc.Mounts, [{ Type: 'volume', Source: volume, Target: '/data' }]);
  assert.deepEqual(hc.Tmpfs, { '/scratch': 'size=1m' });
  assert.deepEqual(hc.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 2e9, Timeout: 1e9, Retries: 2, StartPeriod: 5e8 });
  assert.deepEqual(hc.Devices, [{ PathOnHost: '/dev/null', PathInContainer: '/dev/xnull', CgroupPermissions: 'rwm' }]);
  assert.deepEqual(hc.CapAdd, ['NET_ADMIN']);
  assert.deepEqual(hc.CapDrop, ['MKNOD']);
  assert.equal(hc.Privileged, false);
  assert.equal(c.StopTimeout, 3);
  assert.equal(c.StopSignal, 'SIGINT');
  assert.equal(hc.Memory, 64 * 1024 * 1024);
  assert.equal(hc.NanoCpus, 500_000_000);
  assert.deepEqual(hc.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m' } });
  assert.equal(hc.Init, true);
  assert.equal(hc.ReadonlyRootfs, true);
  assert.equal(c.User, 'nobody');
  assert.equal(c.WorkingDir, '/tmp');
  assert.equal(c.Hostname, 'moor-full');
  assert.deepEqual(hc.ExtraHosts, ['db.local:127.0.0.1']);
  assert.equal(hc.NetworkMode, nets[0]);
  const endpoints = info.NetworkSettings.Networks;
  assert.deepEqual(Object.keys(endpoints).sort(), [...nets].sort());
  for (const name of nets) assert.ok(endpoints[name]?.Aliases?.includes('full'), `alias on ${name}`);

  const observed = await engine.inspectContainer(spec.name);
  assert.equal(observed?.restartPolicy, 'on-failure:3');
  assert.equal(observed?.memLimitBytes, 64 * 1024 * 1024);
  assert.equal(observed?.nanoCpus, 500_000_000);
  assert.equal(observed?.state, 'created');
  assert.equal(observed?.startedAt, null);

  assert.deepEqual((await engine.listNetworks(host)).map((n) => n.name).sort(), [...nets].sort());
  const volumes = await engine.listVolumes(host);
  assert.deepEqual(volumes.map((v) => v.name), [volume]);
  assert.equal(volumes[0]?.labels['tier'], 'db');
});

test('a started container is observed running, with its health and start time', async () => {
  const spec = minimalSpec(host, 'healthy', {
    healthcheck: { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 1, startPeriodMs: 0, startIntervalMs: 0 },
  });
  await engine.createContainer(spec, moorLabels(spec, host));
  await engine.startContainer(spec.name);
  await engine.startContainer(spec.name); // already started: not an error
  let seen = await engine.inspectContainer(spec.name);
  for (let i = 0; i < 50 && seen?.health !== 'healthy'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await engine.inspectContainer(spec.name);
  }
  assert.equal(seen?.state, 'running');
  assert.equal(seen?.health, 'healthy');
  assert.equal(seen?.exitCode, null);
  assert.ok(seen?.startedAt);
});

test('the listing holds only this host’s managed containers; others are just names', async () => {
  await createForeignContainer(docker, foreignName);
  const otherHost = `${host}-other`;
  const theirs = minimalSpec(otherHost, 'theirs');
  await engine.createContainer(theirs, moorLabels(theirs, otherHost));
  try {
    const listing = await engine.listContainers(host);
    const names = listing.managed.map((c) => c.name);
    assert.ok(names.includes(`${host}-full`));
    assert.ok(names.includes(`${host}-healthy`));
    assert.ok(!names.includes(foreignName));
    assert.ok(!names.includes(theirs.name));
    assert.ok(listing.otherNames.includes(foreignName));
    assert.ok(listing.otherNames.includes(theirs.name));
    assert.ok(!listing.otherNames.includes(`${host}-full`));
    // With their owners: nobody's, and another moor host's.
    assert.deepEqual(listing.others?.find((o) => o.name === foreignName)?.otherHost, null);
    assert.equal(listing.others?.find((o) => o.name === theirs.name)?.otherHost, otherHost);
    for (const c of listing.managed) assert.equal(c.labels[LABEL.host], host);
  } finally {
    await cleanupHost(docker, otherHost);
  }
});

test('an exited container reports its exit code and output', async () => {
  const spec = minimalSpec(host, 'exits', { command: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 7'] });
  await engine.createContainer(spec, moorLabels(spec, host));
  await engine.startContainer(spec.name);
  await docker.getContainer(spec.name).wait();
  const seen = await engine.inspectContainer(spec.name);
  assert.equal(seen?.state, 'exited');
  assert.equal(seen?.exitCode, 7);
  const logs = await engine.logs(spec.name, 10);
  assert.match(logs, /to-out/);
  assert.match(logs, /to-err/);
});

test('stop, rename and remove work, and missing containers are already gone', async () => {
  const spec = minimalSpec(host, 'short');
  await engine.createContainer(spec, moorLabels(spec, host));
  await engine.startContainer(spec.name);
  await engine.stopContainer(spec.name, 1000);
  await engine.stopContainer(spec.name, 1000); // already stopped
  await engine.renameContainer(spec.name, `${spec.name}-old`);
  assert.equal(await engine.inspectContainer(spec.name), null);
  await engine.removeContainer(`${spec.name}-old`);
  assert.equal(await engine.inspectContainer(`${spec.name}-old`), null);
  await engine.stopContainer(`${host}-never-was`, 1000);
  await engine.removeContainer(`${host}-never-was`);
  await engine.removeNetwork(`${host}_never_was`);
  await engine.removeVolume(`${host}_never_was`);
});

test('engine refusals are DockerErrors carrying the original error', async () => {
  const spec = minimalSpec(host, 'clash');
  await engine.createContainer(spec, moorLabels(spec, host));
  const clash = await engine.createContainer(spec, moorLabels(spec, host)).catch((e: unknown) => e);
  assert.ok(clash instanceof DockerError);
  assert.equal(clash.code, 'CONFLICT');
  assert.equal((clash.cause as { statusCode?: number }).statusCode, 409);

  const bad = minimalSpec(host, 'bad', { mounts: [{ type: 'volume', source: '', target: 'relative', readOnly: false, noCopy: false }] });
  const refused = await engine.createContainer(bad, moorLabels(bad, host)).catch((e: unknown) => e);
  assert.ok(refused instanceof DockerError);
  assert.equal(refused.code, 'CREATE_FAILED');
  assert.equal(refused.handling, 'commit');
  assert.ok(refused.cause instanceof Error);

  const renamed = await engine.renameContainer(`${host}-nothing`, `${host}-x`).catch((e: unknown) => e);
  assert.ok(renamed instanceof DockerError);
  assert.equal(renamed.code, 'NOT_FOUND');
  assert.equal(renamed.toJSON().cause?.includes('404'), true);
});

test('images are reported present or missing', async () => {
  assert.equal(await engine.imagePresent('local/busybox:1'), true);
  assert.equal(await engine.imagePresent('local/busybox:does-not-exist'), false);
});

test('an engine that is not there is unreachable, to retry', async () => {
  const gone = createDockerEngine(
    { docker: new Dockerode({ socketPath: join(tmpdir(), `${host}-no.sock`) }) },
    { registries: [], dockerConfigFile: null },
  );
  const err = await gone.listContainers(host).catch((e: unknown) => e);
  assert.ok(err instanceof DockerError);
  assert.equal(err.code, 'ENGINE_UNREACHABLE');
  assert.equal(err.handling, 'retry');
  assert.ok(err.cause instanceof Error);
});

test('a container created hidden has none of its service names until it is announced, on every network', async () => {
  const nets = [`${host}_hid1`, `${host}_hid2`] as const;
  for (const name of nets) {
    await engine.createNetwork(
      { project: host, key: name, name, driver: 'bridge', driverOpts: {}, internal: true, enableIpv6: false, ipam: null, labels: {}, external: false, hash: 'n' },
      { [LABEL.managed]: 'true', [LABEL.host]: host },
    );
  }
  const spec = minimalSpec(host, 'hid', {
    command: ['sh', '-c', 'sleep 3600'],
    networks: [...nets],
    networkMode: null,
    endpoints: { [nets[1]]: { aliases: ['api'], ipv4Address: null, ipv6Address: null } },
  });
  const id = await engine.createContainer({ ...spec, name: `${spec.name}-next` }, moorLabels(spec, host), { hidden: true });
  await engine.startContainer(id);
  const aliases = async (): Promise<string[][]> => {
    const info = await docker.getContainer(id).inspect();
    return nets.map((n) => info.NetworkSettings.Networks[n]?.Aliases ?? []);
  };
  for (const list of await aliases()) assert.ok(!list.includes('hid') && !list.includes('api'), `hidden: ${list.join(',')}`);

  await engine.announceContainer(id, spec);
  const [first, second] = await aliases();
  assert.ok(first?.includes('hid') && !first.includes('api'), `first network: ${first?.join(',')}`);
  assert.ok(second?.includes('hid') && second.includes('api'), `second network: ${second?.join(',')}`);
  const info = await docker.getContainer(id).inspect();
  assert.equal(info.State.Running, true, 'still running after rejoining its networks');
  assert.deepEqual(Object.keys(info.NetworkSettings.Networks).sort(), [...nets].sort());
});
