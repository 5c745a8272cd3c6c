import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex, stableStringify } from '../../../agent/desired/hash.js';
import type { ContainerSpec } from '../../../agent/desired/model.js';
import { load } from './fixtures.js';

const first = async (compose: string, extra: Record<string, string> = {}): Promise<ContainerSpec> => {
  const state = await load({ 'compose.yaml': compose, ...extra });
  const spec = state.containers[0];
  assert.ok(spec);
  return spec;
};

describe('normalisation', () => {
  it('gives the same hash to env, ports and cap_add written in another order or syntax', async () => {
    const a = await first(`services:
  web:
    image: x
    environment: { B: "2", A: "1" }
    ports: ["8080:80", "9090:90"]
    cap_add: [NET_RAW, NET_ADMIN, NET_ADMIN]
`);
    const b = await first(`services:
  web:
    cap_add: [cap_net_admin, NET_RAW]
    ports:
      - { target: 90, published: 9090 }
      - "8080:80/tcp"
    environment: ["A=1", "B=2"]
    image: x
`);
    assert.deepEqual(a, b);
    assert.equal(a.hash, b.hash);
  });

  it('changes only the hash of the service whose env changed', async () => {
    const compose = (value: string): string => `services:
  web: { image: x, environment: { MODE: ${value} } }
  db: { image: y }
`;
    const before = await load({ 'compose.yaml': compose('a') });
    const after = await load({ 'compose.yaml': compose('b') });
    const hash = (s: typeof before, service: string): string | undefined => s.containers.find((c) => c.service === service)?.hash;
    assert.notEqual(hash(before, 'web'), hash(after, 'web'));
    assert.equal(hash(before, 'db'), hash(after, 'db'));
  });

  it('fills defaults so that an empty service and an explicit one are equal', async () => {
    const implicit = await first('services:\n  web:\n    image: x\n');
    const explicit = await first(`name: default
services:
  web:
    image: x
    restart: "no"
    pull_policy: missing
    stop_grace_period: 10s
    privileged: false
    read_only: false
    networks: [default]
    x-moor: { update: stop-first }
`);
    assert.deepEqual(implicit, explicit);
    assert.equal(implicit.name, 'default-web');
    assert.deepEqual(implicit.networks, ['default_default']);
    assert.equal(implicit.stopGracePeriodMs, 10_000);
  });

  it('changes the hash when the content of an env_file changes', async () => {
    const compose = 'services:\n  web:\n    image: x\n    env_file: app.env\n';
    const a = await first(compose, { 'app.env': 'DB=one\n' });
    const b = await first(compose, { 'app.env': 'DB=two\n' });
    assert.notEqual(a.hash, b.hash);
  });

  it('marks secret-looking keys and every env_file key as secret, unless overridden inline', async () => {
    const spec = await first(
      `services:
  web:
    image: x
    env_file: [app.env]
    environment: { DB_PASSWORD: p, API_TOKEN: t, MODE: prod, OVERRIDDEN: inline }
`,
      { 'app.env': 'PLAIN=1\nOVERRIDDEN=file\n' },
    );
    assert.deepEqual(spec.secretEnv, ['API_TOKEN', 'DB_PASSWORD', 'PLAIN']);
    assert.equal(spec.env.OVERRIDDEN, 'inline');
  });

  it('converts healthchecks, sizes, cpus and tmpfs into engine units', async () => {
    const spec = await first(`services:
  web:
    image: x
    healthcheck: { test: "curl -f localhost", interval: 1m30s, timeout: 500ms, retries: 5, start_period: 10s }
    mem_limit: 512m
    cpus: "1.5"
    tmpfs: ["/run:size=64m", /tmp]
    read_only: true
`);
    assert.deepEqual(spec.healthcheck, { test: ['CMD-SHELL', 'curl -f localhost'], intervalMs: 90_000, timeoutMs: 500, retries: 5, startPeriodMs: 10_000, startIntervalMs: 0 });
    assert.equal(spec.memLimitBytes, 512 * 1024 * 1024);
    assert.equal(spec.nanoCpus, 1_500_000_000);
    assert.deepEqual(spec.mounts, [
      { type: 'tmpfs', target: '/run', options: 'size=64m' },
      { type: 'tmpfs', target: '/tmp', options: '' },
    ]);
  });

  it('resolves named volumes and networks to engine names and keeps network_mode services off networks', async () => {
    const state = await load({
      'compose.yaml': `name: shop
services:
  web: { image: x, volumes: ["data:/data"], networks: [front] }
  tool: { image: x, network_mode: host }
volumes:
  data: {}
  shared: { external: true }
networks:
  front: { internal: true, labels: [tier=front] }
`,
    });
    const web = state.containers.find((c) => c.service === 'web');
    assert.deepEqual(web?.mounts, [{ type: 'volume', source: 'shop_data', target: '/data', readOnly: false, noCopy: false }]);
    assert.deepEqual(web?.networks, ['shop_front']);
    const tool = state.containers.find((c) => c.service === 'tool');
    assert.deepEqual(tool?.networks, []);
    assert.equal(tool?.networkMode, 'host');
    assert.deepEqual(state.networks.map((n) => [n.name, n.internal, n.labels]), [['shop_front', true, { tier: 'front' }]]);
    assert.deepEqual(state.volumes.map((v) => [v.name, v.external]), [['shared', true], ['shop_data', false]]);
  });

  it('creates the project default network only when a service uses it', async () => {
    const none = await load({ 'compose.yaml': 'services:\n  a: { image: x, network_mode: none }\n' });
    assert.deepEqual(none.networks, []);
    const used = await load({ 'compose.yaml': 'name: p\nservices:\n  a: { image: x }\n' });
    assert.deepEqual(used.networks.map((n) => n.name), ['p_default']);
  });

  it('uses container_name, depends_on conditions and service: network modes', async () => {
    const state = await load({
      'compose.yaml': `services:
  app: { image: x, container_name: the-app, depends_on: { db: { condition: service_healthy }, cache: null } }
  db: { image: y }
  cache: { image: z }
  sidecar: { image: s, network_mode: "service:app" }
`,
    });
    const app = state.containers.find((c) => c.service === 'app');
    assert.equal(app?.name, 'the-app');
    assert.deepEqual(app?.dependsOn, [
      { service: 'cache', condition: 'service_started' },
      { service: 'db', condition: 'service_healthy' },
    ]);
    assert.equal(state.containers.find((c) => c.service === 'sidecar')?.networkMode, 'container:the-app');
  });

  it('merges several compose files in order as compose does: maps by key, ports appended', async () => {
    const state = await load({
      'moor.yaml': 'compose: [base.yaml, override.yaml]\n',
      'base.yaml': 'services:\n  web: { image: x, environment: { A: "1", B: "1" }, ports: ["80:80"] }\n',
      'override.yaml': 'services:\n  web: { environment: { B: "2" }, ports: ["81:80"] }\n',
    });
    const web = state.containers[0];
    assert.deepEqual(web?.env, { A: '1', B: '2' });
    assert.deepEqual(web?.ports.map((p) => p.hostPort), [80, 81]);
  });

  it('picks compose.yaml before docker-compose.yml when moor.yaml names none', async () => {
    const state = await load({
      'compose.yaml': 'services:\n  a: { image: from-compose }\n',
      'docker-compose.yml': 'services:\n  a: { image: from-docker-compose }\n',
    });
    assert.equal(state.containers[0]?.image, 'from-compose');
  });

  it('treats an empty config dir as an empty desired state', async () => {
    const state = await load({});
    assert.deepEqual(state.containers, []);
    assert.deepEqual(state.units, []);
    assert.equal(state.window, null);
    assert.deepEqual(state.rollout, { healthTimeoutMs: 90_000, rollback: true });
  });

  it('resolves YAML anchors and merge keys as compose does', async () => {
    const spec = await first(`x-base: &base
  image: x
  restart: always
services:
  web:
    <<: *base
    init: true
`);
    assert.equal(spec.restart, 'always');
    assert.equal(spec.init, true);
  });
});

describe('normalisation of lists and maps', () => {
  it('writes extra_hosts, labels and logging options the same from lists and maps', async () => {
    const fromLists = await first(`services:
  web:
    image: x
    extra_hosts: ["db=10.0.0.2", "cache:10.0.0.3"]
    labels: ["b=2", "a=1"]
    logging: { driver: json-file, options: { max-size: 10m, max-file: 3 } }
`);
    const fromMaps = await first(`services:
  web:
    image: x
    extra_hosts: { cache: 10.0.0.3, db: 10.0.0.2 }
    labels: { a: "1", b: 2 }
    logging: { driver: json-file, options: { max-file: "3", max-size: 10m } }
`);
    assert.deepEqual(fromLists, fromMaps);
    assert.deepEqual(fromLists.extraHosts, ['cache:10.0.0.3', 'db:10.0.0.2']);
    assert.deepEqual(fromLists.logging, { driver: 'json-file', options: { 'max-file': '3', 'max-size': '10m' } });
  });

  it('sorts cap_drop and devices and accepts devices under an allowed root', async () => {
    const spec = await first(`services:
  web:
    image: x
    cap_drop: [MKNOD, chown, MKNOD]
    devices: ["/srv/dev/b:/dev/b", "/srv/dev/a:/dev/a:r"]
`);
    assert.deepEqual(spec.capDrop, ['CHOWN', 'MKNOD']);
    assert.deepEqual(spec.devices.map((d) => d.containerPath), ['/dev/a', '/dev/b']);
  });

  it('splits command strings and keeps command lists as written', async () => {
    const a = await first('services:\n  web: { image: x, command: "sh -c \'sleep 1\'", entrypoint: [/bin/sh, -c] }\n');
    assert.deepEqual(a.command, ['sh', '-c', 'sleep 1']);
    assert.deepEqual(a.entrypoint, ['/bin/sh', '-c']);
  });

  it('turns healthcheck disable and test lists into Docker form', async () => {
    const off = await first('services:\n  web: { image: x, healthcheck: { disable: true } }\n');
    assert.deepEqual(off.healthcheck?.test, ['NONE']);
    const list = await first('services:\n  web: { image: x, healthcheck: { test: [CMD, wget, -q, localhost] } }\n');
    assert.deepEqual(list.healthcheck?.test, ['CMD', 'wget', '-q', 'localhost']);
  });
});

describe('hashing', () => {
  it('stringifies objects with sorted keys at every level', () => {
    assert.equal(stableStringify({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: undefined } }), '{"a":{"d":[2,{"x":0,"y":1}]},"b":1}');
  });
  it('hashes with sha256 in hex', () => {
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
