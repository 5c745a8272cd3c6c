// The service keys real compose files use, each read with docker compose's semantics and
// normalised; bad values are refused at FILE:LINE: key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerSpec } from '../../../agent/desired/model.js';
import { DEFAULT_ALLOW } from '../../../agent/desired/policy.js';
import { assertProblem, load, loadWarned, POLICY, problems } from './fixtures.js';

const PERMISSIVE = { ...POLICY, allowPrivileged: true };
const svc = (body: string, extra = ''): string => `services:\n  web:\n    image: x\n${body}${extra}`;

async function web(body: string, extra = '', files: Record<string, string> = {}): Promise<ContainerSpec> {
  const state = await load({ 'compose.yaml': svc(body, extra), ...files }, PERMISSIVE);
  const spec = state.containers.find((c) => c.service === 'web');
  assert.ok(spec);
  return spec;
}

describe('compose service keys', () => {
  it('reads expose, ranges included, as sorted port/protocol entries', async () => {
    assert.deepEqual((await web('    expose: ["8080", 9000, "5000-5001/udp"]\n')).expose, ['5000/udp', '5001/udp', '8080/tcp', '9000/tcp']);
    assertProblem(await problems({ 'compose.yaml': svc('    expose: [eighty]\n') }), { file: 'compose.yaml', line: 4, key: 'services.web.expose[0]' });
  });
  it('reads sysctls from a map or a list, refusing those a container cannot set', async () => {
    assert.deepEqual((await web('    sysctls: ["net.core.somaxconn=1024"]\n')).sysctls, { 'net.core.somaxconn': '1024' });
    assertProblem(await problems({ 'compose.yaml': svc('    sysctls: { kernel.panic: 1 }\n') }), { file: 'compose.yaml', line: 4, key: 'services.web.sysctls.kernel.panic', message: /not a sysctl/ });
  });
  it('reads ulimits as a number or soft/hard', async () => {
    assert.deepEqual((await web('    ulimits: { nproc: 512, nofile: { soft: 1024, hard: 2048 } }\n')).ulimits, [
      { name: 'nofile', soft: 1024, hard: 2048 },
      { name: 'nproc', soft: 512, hard: 512 },
    ]);
  });
  it('reads dns, dns_search, dns_opt, group_add, stdin_open, tty and shm_size', async () => {
    const spec = await web('    dns: 1.1.1.1\n    dns_search: [a.example]\n    dns_opt: [ndots:2]\n    group_add: [100, video]\n    stdin_open: true\n    tty: true\n    shm_size: 1g\n');
    assert.deepEqual([spec.dns, spec.dnsSearch, spec.dnsOptions, spec.groupAdd], [['1.1.1.1'], ['a.example'], ['ndots:2'], ['100', 'video']]);
    assert.deepEqual([spec.stdinOpen, spec.tty, spec.shmSizeBytes], [true, true, 1024 ** 3]);
  });
  it('puts pid, ipc and security_opt behind their policy switches', async () => {
    const list = await problems({ 'compose.yaml': svc('    pid: host\n    ipc: host\n    security_opt: [seccomp=unconfined]\n') });
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'services.web.pid', message: /policy\.allow\.hostPid/ });
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.ipc', message: /policy\.allow\.hostIpc/ });
    assertProblem(list, { file: 'compose.yaml', line: 6, key: 'services.web.security_opt[0]', message: /policy\.allow\.securityOpt/ });
    const spec = await web('    pid: host\n    ipc: shareable\n');
    assert.deepEqual([spec.pid, spec.ipc], ['host', 'shareable']);
  });
  it('maps deploy resources (limits, memory reservation, GPUs) and refuses replicas above 1 and swarm keys', async () => {
    const spec = await web(
      '    deploy:\n      replicas: 1\n      resources:\n        limits: { cpus: "0.5", memory: 256m, pids: 100 }\n        reservations:\n          memory: 64m\n          devices: [{ driver: nvidia, count: all, capabilities: [gpu] }]\n',
    );
    assert.deepEqual([spec.nanoCpus, spec.memLimitBytes, spec.pidsLimit, spec.memReservationBytes], [500_000_000, 256 * 1024 ** 2, 100, 64 * 1024 ** 2]);
    assert.deepEqual(spec.deviceRequests, [{ driver: 'nvidia', count: -1, deviceIds: [], capabilities: ['gpu'], options: {} }]);
    const list = await problems({ 'compose.yaml': svc('    deploy:\n      replicas: 3\n      placement: { constraints: [a] }\n') });
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.deploy.replicas', message: /one service per instance/ });
    assertProblem(list, { file: 'compose.yaml', line: 6, key: 'services.web.deploy.placement', message: /swarm/ });
  });
  it('makes links a dependency and an endpoint link, and volumes_from a dependency', async () => {
    const state = await load({ 'compose.yaml': 'services:\n  db: { image: x }\n  web:\n    image: x\n    links: ["db:database"]\n    volumes_from: ["db:ro", "container:other"]\n' });
    const spec = state.containers.find((c) => c.service === 'web');
    assert.deepEqual(spec?.links, ['default-db:database']);
    assert.deepEqual(spec?.volumesFrom, ['default-db:ro', 'other']);
    assert.deepEqual(spec?.dependsOn, [{ service: 'db', condition: 'service_started' }]);
    assertProblem(await problems({ 'compose.yaml': svc('    links: [ghost]\n') }), { file: 'compose.yaml', line: 4, key: 'services.web.links', message: /does not exist/ });
  });
  it('reads network aliases and fixed addresses, and ipam and enable_ipv6 of the network', async () => {
    const state = await load({
      'compose.yaml': svc('    networks:\n      back: { aliases: [api], ipv4_address: 172.30.0.5 }\n', 'networks:\n  back:\n    enable_ipv6: true\n    ipam:\n      config: [{ subnet: 172.30.0.0/24, gateway: 172.30.0.1 }]\n'),
    });
    assert.deepEqual(state.containers[0]?.endpoints, { default_back: { aliases: ['api'], ipv4Address: '172.30.0.5', ipv6Address: null } });
    assert.deepEqual(state.networks[0]?.ipam, { driver: null, config: [{ subnet: '172.30.0.0/24', ipRange: null, gateway: '172.30.0.1', auxAddresses: {} }], options: {} });
    assert.equal(state.networks[0]?.enableIpv6, true);
  });
  it('reads long-form bind propagation and selinux, volume nocopy, and anonymous volumes', async () => {
    const spec = await web('    volumes:\n      - { type: bind, source: /srv/a, target: /a, bind: { propagation: rslave, selinux: z } }\n      - { type: volume, source: d, target: /d, volume: { nocopy: true } }\n      - { type: volume, target: /anon }\n', 'volumes:\n  d: {}\n');
    assert.deepEqual(spec.mounts, [
      { type: 'bind', source: '/srv/a', target: '/a', readOnly: false, repoPath: null, propagation: 'rslave', selinux: 'z' },
      { type: 'volume', source: '', target: '/anon', readOnly: false, noCopy: false },
      { type: 'volume', source: 'default_d', target: '/d', readOnly: false, noCopy: true },
    ]);
  });
  it('mounts file secrets and configs read-only where compose does, and writes environment ones into the container', async () => {
    const spec = await web(
      '    secrets: [db, { source: api, target: api.key, mode: 0400 }]\n    configs: [conf]\n',
      'secrets:\n  db: { file: ./secrets/db.txt }\n  api: { environment: API_KEY }\nconfigs:\n  conf: { file: /srv/app.conf }\n',
      { '.env': 'API_KEY=abc\n', 'secrets/db.txt': 'pw\n' },
    );
    assert.deepEqual(spec.mounts.map((m) => `${m.type === 'tmpfs' ? '' : m.source}:${m.target}:${m.type !== 'tmpfs' && m.readOnly ? 'ro' : 'rw'}`), [
      '/srv/app.conf:/conf:ro',
      '/var/lib/moor/projects/default/secrets/db.txt:/run/secrets/db:ro',
    ]);
    assert.deepEqual(spec.files, [{ target: '/run/secrets/api.key', variable: 'API_KEY', contentBase64: Buffer.from('abc').toString('base64'), mode: 0o400, uid: '0', gid: '0' }]);
  });
  it('warns about and skips external secrets, as docker-compose does', async () => {
    const { state, warnings } = await loadWarned({ 'compose.yaml': svc('    secrets: [cert]\n', 'secrets:\n  cert: { external: true }\n') });
    assert.deepEqual(state.containers[0]?.mounts, []);
    assertProblem(warnings, { file: 'compose.yaml', line: 4, key: 'services.web.secrets[0]', message: /only in swarm/ });
  });
  it('keeps the image healthcheck values for what a healthcheck does not name, and reads start_interval', async () => {
    assert.deepEqual((await web('    healthcheck: { test: "true" }\n')).healthcheck, { test: ['CMD-SHELL', 'true'], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0, startIntervalMs: 0 });
    assert.deepEqual((await web('    healthcheck: { interval: 10s, start_interval: 1s }\n')).healthcheck, { test: [], intervalMs: 10_000, timeoutMs: 0, retries: 0, startPeriodMs: 0, startIntervalMs: 1000 });
    assert.equal((await web('    healthcheck: { disable: false }\n')).healthcheck, null);
  });
  it('normalises on-failure:0, mem_limit 0, an unset init and logging without a driver to what the engine reports', async () => {
    const spec = await web('    restart: on-failure:0\n    mem_limit: 0\n    logging: { options: { max-size: 1m } }\n');
    assert.deepEqual([spec.restart, spec.memLimitBytes, spec.init, spec.logging], ['on-failure', null, null, { driver: null, options: { 'max-size': '1m' } }]);
  });
  it('keeps numbers as compose reads them: big integers exact, a leading 0 octal', async () => {
    assert.deepEqual((await web('    environment: { BIG: 12345678901234567890, MODE: 0755 }\n')).env, { BIG: '12345678901234567890', MODE: '493' });
  });
  it('refuses environment names with spaces', async () => {
    assertProblem(await problems({ 'compose.yaml': svc('    environment: ["MY VAR=1"]\n') }), { file: 'compose.yaml', line: 4, key: 'services.web.environment', message: /not a valid variable name/ });
  });
  it('reads long-form env_file and legacy external: { name }', async () => {
    const state = await load(
      {
      'compose.yaml': svc('    env_file: [{ path: app.env }, { path: missing.env, required: false }]\n    volumes: [old:/old]\n', 'volumes:\n  old: { external: { name: legacy_data } }\n'),
      'app.env': 'A=1\n',
      },
      { ...POLICY, allow: { ...DEFAULT_ALLOW, external: true } },
    );
    assert.deepEqual(state.containers[0]?.env, { A: '1' });
    assert.deepEqual(state.volumes.map((v) => [v.name, v.external]), [['legacy_data', true]]);
  });
});

describe('compose projects', () => {
  it('takes the project name from COMPOSE_PROJECT_NAME in .env when the file has no name:', async () => {
    const state = await load({ '.env': 'COMPOSE_PROJECT_NAME=shop\n', 'compose.yaml': svc('    volumes: [data:/data]\n', 'volumes:\n  data: {}\n') });
    assert.equal(state.containers[0]?.name, 'shop-web');
    assert.equal(state.volumes[0]?.name, 'shop_data');
  });
  it('merges compose.override.yaml when present, with compose merge rules', async () => {
    const state = await load({
      'compose.yaml': svc('    command: [a, b]\n    environment: [A=1]\n    ports: ["80:80"]\n'),
      'compose.override.yaml': 'services:\n  web:\n    command: [c]\n    environment: { B: "2" }\n    ports: ["81:80"]\n',
    });
    const spec = state.containers[0];
    assert.deepEqual([spec?.command, spec?.env, spec?.ports.map((p) => p.hostPort)], [['c'], { A: '1', B: '2' }, [80, 81]]);
  });
  it('resolves extends from the same file and from another file', async () => {
    const state = await load({
      'base.yaml': 'services:\n  common: { image: base, environment: { A: "1" } }\n',
      'compose.yaml': 'services:\n  tmpl: { image: t, labels: { l: "1" } }\n  web:\n    extends: { service: common, file: base.yaml }\n    environment: { B: "2" }\n  api:\n    extends: tmpl\n',
    });
    const by = new Map(state.containers.map((c) => [c.service, c]));
    assert.deepEqual([by.get('web')?.image, by.get('web')?.env], ['base', { A: '1', B: '2' }]);
    assert.deepEqual(by.get('api')?.labels, { l: '1' });
  });
  it('adds the services of an included file, refusing a clash', async () => {
    const state = await load({ 'compose.yaml': 'include: [db/compose.yaml]\nservices:\n  web: { image: x }\n', 'db/compose.yaml': 'services:\n  db: { image: pg }\n' });
    assert.deepEqual(state.containers.map((c) => c.service), ['db', 'web']);
    const list = await problems({ 'compose.yaml': 'include: [other.yaml]\nservices:\n  web: { image: x }\n', 'other.yaml': 'services:\n  web: { image: y }\n' });
    assertProblem(list, { file: 'compose.yaml', line: 3, key: 'services.web', message: /also defined in the included file/ });
  });
  it('runs only the services of enabled profiles (moor.yaml profiles:, or COMPOSE_PROFILES)', async () => {
    const files = { 'compose.yaml': 'services:\n  web: { image: x }\n  debug: { image: x, profiles: [debug] }\n' };
    assert.deepEqual((await load(files)).containers.map((c) => c.service), ['web']);
    assert.deepEqual((await load({ ...files, '.env': 'COMPOSE_PROFILES=debug\n' })).containers.map((c) => c.service), ['debug', 'web']);
    assert.deepEqual((await load({ ...files, 'moor.yaml': 'profiles: [debug]\n' })).containers.map((c) => c.service), ['debug', 'web']);
    const list = await problems({ 'compose.yaml': 'services:\n  web: { image: x, depends_on: [debug] }\n  debug: { image: x, profiles: [debug] }\n' });
    assertProblem(list, { file: 'compose.yaml', line: 2, key: 'services.web.depends_on.debug', message: /profile debug, which is not enabled/ });
  });
});
