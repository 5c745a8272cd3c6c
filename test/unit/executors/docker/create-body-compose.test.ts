// The compose keys beyond the basics in Docker's create body: what is unset is not sent (the
// daemon's and the image's defaults apply, as with compose), the rest maps field by field.
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { extract } from 'tar-stream';
import { containerFilesTar } from '../../../../agent/executors/docker/container-files.js';
import { endpointConfig, networkAddressing, toCreateBody } from '../../../../agent/executors/docker/create-body.js';
import { minimalSpec } from '../../../fixtures/container-spec.js';
import { network } from '../../planner/fixtures.js';

test('an unset init, a logging without driver and a healthcheck naming only its test leave the defaults alone', () => {
  const spec = minimalSpec('h', 'web', {
    init: null,
    logging: { driver: null, options: { 'max-size': '1m' } },
    healthcheck: { test: ['CMD', 'true'], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0, startIntervalMs: 0 },
  });
  const { body } = toCreateBody(spec, {});
  assert.equal('Init' in (body.HostConfig ?? {}), false);
  assert.deepEqual(body.HostConfig?.LogConfig, { Type: '', Config: { 'max-size': '1m' } });
  assert.deepEqual(body.Healthcheck, { Test: ['CMD', 'true'] });
});

test('binds carry their modes, anonymous and nocopy volumes their options', () => {
  const spec = minimalSpec('h', 'web', {
    mounts: [
      { type: 'bind', source: '/srv/a', target: '/a', readOnly: true, repoPath: null, propagation: 'rslave', selinux: 'z' },
      { type: 'bind', source: '/srv/b', target: '/b', readOnly: false, repoPath: null, propagation: null, selinux: null },
      { type: 'volume', source: '', target: '/anon', readOnly: false, noCopy: false },
      { type: 'volume', source: 'p_d', target: '/d', readOnly: false, noCopy: true },
    ],
  });
  const hc = toCreateBody(spec, {}).body.HostConfig;
  assert.deepEqual(hc?.Binds, ['/srv/a:/a:ro,z,rslave', '/srv/b:/b']);
  assert.deepEqual(hc?.Mounts?.map((m) => [m.Source, m.Target, m.VolumeOptions?.NoCopy ?? false]), [['', '/anon', false], ['p_d', '/d', true]]);
});

test('runtime keys map to their HostConfig and Config fields', () => {
  const spec = minimalSpec('h', 'web', {
    expose: ['8080/tcp'],
    sysctls: { 'net.core.somaxconn': '1024' },
    ulimits: [{ name: 'nofile', soft: 1, hard: 2 }],
    dns: ['1.1.1.1'],
    dnsSearch: ['a.example'],
    groupAdd: ['100'],
    pid: 'host',
    ipc: 'shareable',
    securityOpt: ['no-new-privileges:true'],
    shmSizeBytes: 1024,
    memReservationBytes: 2048,
    pidsLimit: 10,
    volumesFrom: ['p-db:ro'],
    stdinOpen: true,
    tty: true,
    deviceRequests: [{ driver: 'nvidia', count: -1, deviceIds: [], capabilities: ['gpu'], options: {} }],
  });
  const { body } = toCreateBody(spec, {});
  const hc = body.HostConfig;
  assert.deepEqual(body.ExposedPorts, { '8080/tcp': {} });
  assert.deepEqual([body.OpenStdin, body.Tty], [true, true]);
  assert.deepEqual([hc?.Sysctls, hc?.Ulimits, hc?.Dns, hc?.DnsSearch, hc?.GroupAdd], [{ 'net.core.somaxconn': '1024' }, [{ Name: 'nofile', Soft: 1, Hard: 2 }], ['1.1.1.1'], ['a.example'], ['100']]);
  assert.deepEqual([hc?.PidMode, hc?.IpcMode, hc?.SecurityOpt, hc?.ShmSize, hc?.MemoryReservation, hc?.PidsLimit, hc?.VolumesFrom], ['host', 'shareable', ['no-new-privileges:true'], 1024, 2048, 10, ['p-db:ro']]);
  assert.deepEqual(hc?.DeviceRequests, [{ Driver: 'nvidia', Count: -1, DeviceIDs: [], Capabilities: [['gpu']], Options: {} }]);
});

test('an endpoint carries the service name, aliases, fixed addresses and links', () => {
  const spec = minimalSpec('h', 'web', {
    networkMode: null,
    networks: ['p_back'],
    endpoints: { p_back: { aliases: ['api'], ipv4Address: '172.30.0.5', ipv6Address: null } },
    links: ['p-db:database'],
  });
  assert.deepEqual(endpointConfig(spec, 'p_back'), { Aliases: ['web', 'api'], IPAMConfig: { IPv4Address: '172.30.0.5' }, Links: ['p-db:database'] });
  assert.deepEqual(toCreateBody(spec, {}).body.NetworkingConfig?.EndpointsConfig?.p_back, endpointConfig(spec, 'p_back'));
});

test('a network gets its ipam and enable_ipv6', () => {
  const net = network('back', { enableIpv6: true, ipam: { driver: null, config: [{ subnet: '172.30.0.0/24', ipRange: null, gateway: '172.30.0.1', auxAddresses: {} }], options: {} } });
  assert.deepEqual(networkAddressing(net), { EnableIPv6: true, IPAM: { Driver: 'default', Config: [{ Subnet: '172.30.0.0/24', Gateway: '172.30.0.1' }], Options: {} } });
  assert.deepEqual(networkAddressing(network('plain')), {});
});

test('files for the container become a tar archive with their mode and owner', async () => {
  const tar = await containerFilesTar([{ target: '/run/secrets/api', variable: 'API', contentBase64: Buffer.from('abc').toString('base64'), mode: 0o400, uid: '1000', gid: 'staff' }]);
  assert.equal(tar.length % 512, 0);
  const entries = await readTar(tar);
  assert.deepEqual(entries, [{ name: 'run/secrets/api', mode: 0o400, uid: 1000, gid: 0, content: 'abc' }]);
});

test('a target longer than a tar name field keeps its whole path', async () => {
  const target = `/run/${'deep/'.repeat(30)}file`;
  const tar = await containerFilesTar([{ target, variable: 'X', contentBase64: Buffer.from('x').toString('base64'), mode: 0o644, uid: '0', gid: '0' }]);
  const entries = await readTar(tar);
  assert.equal(entries[0]?.name, target.slice(1));
});

async function readTar(tar: Buffer): Promise<{ name: string; mode: number | undefined; uid: number | undefined; gid: number | undefined; content: string }[]> {
  const found: { name: string; mode: number | undefined; uid: number | undefined; gid: number | undefined; content: string }[] = [];
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      const content = (await buffer(entry)).toString('utf8');
      found.push({ name: entry.header.name, mode: entry.header.mode, uid: entry.header.uid, gid: entry.header.gid, content });
    }
  })();
  reader.end(tar);
  await done;
  return found;
}
