// The desired state stored beside a snapshot reads back exactly as the loader gave it, owner-only,
// read only under the key it was written with and while its secrets are in place; the schema and
// the DesiredState type agree.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import type { desiredStateSchema } from '../../../agent/contracts/desired-schema.js';
import { DEFAULT_PROJECTS_DIR, loadDesiredState } from '../../../agent/desired/load.js';
import type { ContainerSpec, DesiredState, MountSpec } from '../../../agent/desired/model.js';
import { desiredStateKey } from '../../../agent/desired/state-key.js';
import { Snapshots } from '../../../agent/reconciler/snapshots.js';
import { readStoredDesired, writeStoredDesired } from '../../../agent/reconciler/stored-desired.js';
import { encryptAge } from '../../../agent/secrets/age-file.js';
import { secretMountsInPlace } from '../../../agent/secrets/secret-dir.js';
import { ensureIdentity } from '../../../agent/secrets/identity.js';
import { createRepoSecrets } from '../../../agent/secrets/repo-secrets.js';
import type { ConfigSource } from '../../../agent/source/port.js';
import { configDir, POLICY } from '../desired/fixtures.js';
import { container } from '../planner/fixtures.js';

// Checked by the compiler: what the schema reads is exactly a DesiredState.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaIsModel: Same<z.infer<ReturnType<typeof desiredStateSchema>>, DesiredState> = true;

const POLICY_WITH_UNITS = { ...POLICY, units: { install: 'own' as const, dropInsFor: [], maskOrStop: ['bluetooth.service'] } };

/** A config dir with units, files and compose include and extends; with `secrets`, a .env.age, an .age file source and a compose secret. */
async function richTree(options: { secrets: boolean }): Promise<{ dir: string; load: (agentSecrets?: string[]) => Promise<DesiredState> }> {
  const host = (await ensureIdentity(join(await mkdtemp(join(tmpdir(), 'moor-host-')), 'state'))).identity;
  const enc = async (text: string): Promise<string> => (await encryptAge(Buffer.from(text), [host.recipient], { armor: true })).toString('utf8');
  const encrypted: Record<string, string> = options.secrets
    ? { 'files/app.key.age': await enc('-----KEY-----\n'), '.env.age': await enc('DB_PASSWORD=hunter2\n'), 'secrets/token.age': await enc('t0ken-clear\n') }
    : {};
  const dir = await configDir({
    'moor.yaml': [
      'units:',
      '  - { name: telegraf.service, enabled: true, state: running }',
      '  - { name: bluetooth.service, state: stopped, mask: true }',
      'files:',
      '  - { path: /etc/moor-files/app.conf, source: files/app.conf, mode: "0644" }',
      ...(options.secrets ? ['  - { path: /etc/moor-files/app.key, source: files/app.key.age, mode: "0600" }'] : []),
      'labels: { site: north }',
      '',
    ].join('\n'),
    'units/telegraf.service': '[Service]\nExecStart=/usr/bin/telegraf\n',
    'units/telegraf.service.d/10-env.conf': '[Service]\nEnvironment=A=1\n',
    'files/app.conf': 'level = debug\n',
    '.env': 'PLAIN=hello\n',
    ...encrypted,
    'base.yaml': 'services:\n  common: { image: local/busybox:1, labels: { tier: back }, healthcheck: { test: ["CMD", "true"], interval: 5s } }\n',
    'mqtt/compose.yaml': 'services:\n  mqtt: { image: local/busybox:2, ports: ["1883:1883"], volumes: ["./conf:/etc/mqtt:ro", "data:/data"] }\nvolumes:\n  data: {}\n',
    'mqtt/conf/mqtt.conf': 'listener 1883\n',
    'compose.yaml': [
      'name: shop',
      'include: [mqtt/compose.yaml]',
      'services:',
      '  db:',
      '    extends: { service: common, file: base.yaml }',
      `    environment: { ${options.secrets ? 'PASSWORD: "${DB_PASSWORD}", ' : ''}PLAIN: "\${PLAIN}" }`,
      '    networks: [back]',
      '  web:',
      '    image: local/busybox:1',
      '    depends_on: { db: { condition: service_healthy } }',
      '    restart: on-failure:3',
      '    networks: [back]',
      ...(options.secrets ? ['    secrets: [token]'] : []),
      'networks:',
      '  back: { driver_opts: { mtu: "1400" } }',
      ...(options.secrets ? ['secrets:', '  token: { file: secrets/token.age }'] : []),
      '',
    ].join('\n'),
  });
  const secrets = createRepoSecrets({ identity: async () => host, secretDir: { pathOf: (p, n, h) => `/tmpfs/${p}/${n}-${h.slice(0, 8)}`, write: async () => undefined } }, { materialise: false });
  return { dir, load: (agentSecrets = []) => loadDesiredState(dir, { policy: POLICY_WITH_UNITS, projectsDir: DEFAULT_PROJECTS_DIR, secrets, knownSecrets: agentSecrets }) };
}

/** A snapshots folder holding `tree` as the snapshot of one commit. */
async function snapshotsOf(tree: string): Promise<{ snapshotsDir: string; commit: string }> {
  const snapshotsDir = await mkdtemp(join(tmpdir(), 'moor-snaps-'));
  const commit = 'a'.repeat(40);
  await cp(tree, join(snapshotsDir, commit), { recursive: true });
  return { snapshotsDir, commit };
}

/** A source whose snapshots all exist already: any checkout is a failure of the test. */
const NO_SOURCE: ConfigSource = {
  head: () => Promise.reject(new Error('unexpected head')),
  checkout: () => Promise.reject(new Error('unexpected checkout')),
  stats: () => {
    throw new Error('unexpected stats');
  },
};

describe('stored desired state', () => {
  it('reads back deep-equal to what the loader gave, for units, files, secrets, include and extends', async () => {
    const { load } = await richTree({ secrets: true });
    const loaded = await load();
    assert.ok(schemaIsModel);
    assert.ok(loaded.units.length === 2 && loaded.files.some((f) => f.secret) && (loaded.secretValues ?? []).includes('hunter2') && (loaded.projectDirs ?? []).length === 1);
    assert.ok(loaded.containers.some((c) => c.mounts.some((m) => m.type === 'bind' && m.source.startsWith('/tmpfs/shop/token-'))), 'the compose secret is mounted');
    assert.deepEqual(loaded.containers.map((c) => c.service).sort(), ['db', 'mqtt', 'web']);
    const file = join(await mkdtemp(join(tmpdir(), 'moor-stored-')), 'c.desired.json');
    await writeStoredDesired(file, 'k1', loaded);
    assert.deepStrictEqual(await readStoredDesired(file, 'k1'), loaded);
  });

  it('is owner-only, and read only under the key it was written with', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'moor-stored-')), 'c.desired.json');
    await writeStoredDesired(file, 'k1', { containers: [], networks: [], volumes: [], units: [], files: [], rollout: { healthTimeoutMs: 1, rollback: true }, window: null, pruneVolumes: false });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await readStoredDesired(file, 'k2'), null);
    await writeFile(file, JSON.stringify({ key: 'k1', state: { containers: 'not a list' } }));
    assert.equal(await readStoredDesired(file, 'k1'), null, 'a file of another shape is loaded again');
  });

  it('changes the key with the policy, the projects dir and the secrets dir', () => {
    const inputs = { policy: POLICY, projectsDir: '/a', secretsDir: '/run/s' };
    const key = desiredStateKey(inputs);
    assert.equal(desiredStateKey({ ...inputs }), key);
    assert.notEqual(desiredStateKey({ ...inputs, policy: { ...POLICY, allowPrivileged: true } }), key);
    assert.notEqual(desiredStateKey({ ...inputs, projectsDir: '/b' }), key);
    assert.notEqual(desiredStateKey({ ...inputs, secretsDir: '/run/t' }), key);
  });

  it('tells whether the compose secrets a state mounts are in the secrets dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moor-secrets-'));
    const mount = (source: string): MountSpec => ({ type: 'bind', source, target: '/run/secrets/x', readOnly: true, repoPath: null, propagation: null, selinux: null });
    const spec = (source: string): ContainerSpec => ({ ...container('web'), mounts: [mount('/srv/data'), mount(source)] });
    await mkdir(join(dir, 'shop'));
    await writeFile(join(dir, 'shop', 'token-0123'), 'x');
    assert.equal(await secretMountsInPlace(dir, [spec(join(dir, 'shop', 'token-0123'))]), true);
    assert.equal(await secretMountsInPlace(dir, [spec(join(dir, 'shop', 'token-4567'))]), false, 'gone, as after a reboot');
  });

  it('loads a commit once: a restarted agent reads the stored state, and prune keeps it with its snapshot', async () => {
    const { dir: tree, load } = await richTree({ secrets: false });
    const { snapshotsDir, commit } = await snapshotsOf(tree);
    let loads = 0;
    const deps = { source: NO_SOURCE, loadDesired: async () => ((loads += 1), load()) };
    const first = await new Snapshots(deps, { dir: snapshotsDir, desiredKey: () => 'k' }).desired(commit);
    const offered: DesiredState[] = [];
    const restarted = new Snapshots({ ...deps, useStored: async (s) => (offered.push(s), true) }, { dir: snapshotsDir, desiredKey: () => 'k' });
    assert.deepStrictEqual(await restarted.desired(commit), first);
    assert.equal(loads, 1);
    assert.equal(offered.length, 1);
    await new Snapshots(deps, { dir: snapshotsDir, desiredKey: () => 'other build' }).desired(commit);
    assert.equal(loads, 2, 'another key loads the commit again');
    await new Snapshots({ ...deps, useStored: async () => false }, { dir: snapshotsDir, desiredKey: () => 'k' }).desired(commit);
    assert.equal(loads, 3, 'a stored state that does not serve (secrets gone) loads the commit again');
    await writeFile(join(snapshotsDir, `${'b'.repeat(40)}.desired.json`), '{}');
    await restarted.prune([commit]);
    assert.deepEqual((await readdir(snapshotsDir)).sort(), [commit, `${commit}.desired.json`]);
  });

  it('never stores a state that holds the clear text of a secret: it is loaded after each start', async () => {
    const { dir: tree, load } = await richTree({ secrets: true });
    const { snapshotsDir, commit } = await snapshotsOf(tree);
    let loads = 0;
    const deps = { source: NO_SOURCE, loadDesired: async () => ((loads += 1), load()) };
    await new Snapshots(deps, { dir: snapshotsDir, desiredKey: () => 'k' }).desired(commit);
    await new Snapshots(deps, { dir: snapshotsDir, desiredKey: () => 'k' }).desired(commit);
    assert.equal(loads, 2);
    assert.deepEqual(await readdir(snapshotsDir), [commit]);
  });

  it("stores the state of an agent with secrets of its own (hub token, passwords) without them, and hides them in every state served", async () => {
    const agentSecrets = ['moor_hubTOKENvalue', 'registry-pass-1'];
    const { dir: tree, load } = await richTree({ secrets: false });
    const { snapshotsDir, commit } = await snapshotsOf(tree);
    let loads = 0;
    const deps = { source: NO_SOURCE, loadDesired: async () => ((loads += 1), load(agentSecrets)) };
    const first = await new Snapshots(deps, { dir: snapshotsDir, desiredKey: () => 'k', agentSecrets }).desired(commit);
    const stored = await readFile(join(snapshotsDir, `${commit}.desired.json`), 'utf8');
    for (const secret of agentSecrets) {
      assert.ok(!stored.includes(secret), 'the agent\'s own secret never reaches the state dir');
      assert.ok(first.secretValues?.includes(secret), 'and its plans hide it');
    }
    const restarted = await new Snapshots(deps, { dir: snapshotsDir, desiredKey: () => 'k', agentSecrets }).desired(commit);
    assert.equal(loads, 1, 'a restarted agent reads the stored state');
    assert.deepStrictEqual(restarted, first);
  });

  it("never stores a state whose commit reveals a value equal to one of the agent's own secrets", async () => {
    const { dir: tree, load } = await richTree({ secrets: true });
    const { snapshotsDir, commit } = await snapshotsOf(tree);
    const deps = { source: NO_SOURCE, loadDesired: () => load(['hunter2']) };
    const served = await new Snapshots(deps, { dir: snapshotsDir, desiredKey: () => 'k', agentSecrets: ['hunter2'] }).desired(commit);
    assert.ok(served.secretValues?.includes('hunter2'));
    assert.deepEqual(await readdir(snapshotsDir), [commit]);
  });
});
