// Loading a config dir with `.age` files: values reach only container env and secret files,
// hashes are keyed with the host key, and a file the host cannot decrypt makes the commit invalid.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_PROJECTS_DIR, loadDesiredState, validateDir } from '../../../agent/desired/load.js';
import type { DesiredState } from '../../../agent/desired/model.js';
import { InvalidConfigError } from '../../../agent/contracts/errors.js';
import { redactPlan } from '../../../agent/planner/diff.js';
import { encryptAge } from '../../../agent/secrets/age-file.js';
import { ensureIdentity, type HostIdentity } from '../../../agent/secrets/identity.js';
import { createRepoSecrets } from '../../../agent/secrets/repo-secrets.js';
import type { SecretDir, SecretFileOptions } from '../../../agent/secrets/secret-dir.js';
import { configDir, POLICY } from '../desired/fixtures.js';

async function newHost(): Promise<HostIdentity> {
  return (await ensureIdentity(join(await mkdtemp(join(tmpdir(), 'moor-host-')), 'state'))).identity;
}

/** A secret dir that records writes; a path outside /tmpfs/ is a failure of the test. */
function recordingDir(): SecretDir & { writes: { path: string; clear: string; options: SecretFileOptions }[] } {
  const writes: { path: string; clear: string; options: SecretFileOptions }[] = [];
  return {
    writes,
    pathOf: (project, name, hash) => `/tmpfs/${project}/${name}-${hash.slice(0, 16)}`,
    async write(path, clear, options) {
      writes.push({ path, clear: Buffer.from(clear).toString(), options });
    },
  };
}

async function enc(text: string, to: HostIdentity[], armor = true): Promise<string | Buffer> {
  const data = await encryptAge(Buffer.from(text), to.map((h) => h.recipient), { armor });
  return armor ? data.toString('utf8') : data;
}

/** A config dir; Buffer values (binary age files) are written as they are. */
async function dirOf(files: Record<string, string | Buffer>): Promise<string> {
  const text = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? v : '']));
  const dir = await configDir(text);
  for (const [k, v] of Object.entries(files)) if (typeof v !== 'string') await writeFile(join(dir, k), v);
  return dir;
}

async function loadAs(host: HostIdentity, files: Record<string, string | Buffer>, dir = recordingDir()): Promise<DesiredState> {
  const secrets = createRepoSecrets({ identity: async () => host, secretDir: dir }, { materialise: true });
  return loadDesiredState(await dirOf(files), { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR, secrets });
}

const COMPOSE = 'name: shop\nservices:\n  db:\n    image: local/busybox:1\n    environment:\n      PASSWORD: ${DB_PASSWORD}\n      URL: "pg://app:${DB_PASSWORD}@db/app"\n      PLAIN: ${PLAIN}\n  web:\n    image: local/busybox:1\n';

describe('secrets at load', () => {
  it('interpolates .env.age values into environment only, marked secret', async () => {
    const host = await newHost();
    const state = await loadAs(host, { 'compose.yaml': COMPOSE, '.env': 'PLAIN=hello\n', '.env.age': await enc('DB_PASSWORD=hunter2\n', [host]) });
    const db = state.containers.find((c) => c.service === 'db');
    assert.equal(db?.env['PASSWORD'], 'hunter2');
    assert.equal(db?.env['URL'], 'pg://app:hunter2@db/app');
    assert.equal(db?.env['PLAIN'], 'hello');
    assert.deepEqual(db?.secretEnv, ['PASSWORD', 'URL']);
    assert.ok(!JSON.stringify(redactPlan({ steps: [{ kind: 'createContainer', id: 'c', resource: 'x', spec: db, dependsOn: [] }] } as never)).includes('hunter2'));
  });

  it('keeps the hash when an unchanged secret is re-encrypted, and changes it with the value', async () => {
    const host = await newHost();
    const hashOf = async (env: string): Promise<Record<string, string>> => {
      const state = await loadAs(host, { 'compose.yaml': COMPOSE, '.env': 'PLAIN=x\n', '.env.age': await enc(env, [host]) });
      return Object.fromEntries(state.containers.map((c) => [c.service, c.hash]));
    };
    const first = await hashOf('DB_PASSWORD=hunter2\n');
    assert.deepEqual(await hashOf('DB_PASSWORD=hunter2\n'), first, 're-encryption changes nothing');
    const rotated = await hashOf('DB_PASSWORD=hunter3\n');
    assert.notEqual(rotated['db'], first['db'], 'the user of the secret changes');
    assert.equal(rotated['web'], first['web'], 'the others do not');
  });

  it('keys the hash with the host key: the same value hashes differently on another host', async () => {
    const a = await newHost();
    const b = await newHost();
    const files = async (h: HostIdentity) => ({ 'compose.yaml': COMPOSE, '.env': 'PLAIN=x\n', '.env.age': await enc('DB_PASSWORD=hunter2\n', [h]) });
    const ha = (await loadAs(a, await files(a))).containers.find((c) => c.service === 'db')?.hash;
    const hb = (await loadAs(b, await files(b))).containers.find((c) => c.service === 'db')?.hash;
    assert.notEqual(ha, hb);
  });

  it('refuses a secret value outside environment, without showing it', async () => {
    const host = await newHost();
    const compose = 'services:\n  db:\n    image: local/busybox:1\n    command: ["run", "--password=${DB_PASSWORD}"]\n';
    const problems = await validateDir(await dirOf({ 'compose.yaml': compose, '.env.age': await enc('DB_PASSWORD=hunter2\n', [host]) }), {
      policy: POLICY,
      projectsDir: DEFAULT_PROJECTS_DIR,
      secrets: createRepoSecrets({ identity: async () => host, secretDir: recordingDir() }, { materialise: false }),
    });
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.key, 'services.db.command[1]');
    assert.match(problems[0]?.message ?? '', /may only be used in environment/);
    assert.ok(!JSON.stringify(problems).includes('hunter2'));
  });

  it('makes a commit invalid, naming the file and the missing recipient, when the host is not a recipient', async () => {
    const host = await newHost();
    const other = await newHost();
    const err = await loadAs(host, { 'compose.yaml': COMPOSE, '.env.age': await enc('DB_PASSWORD=hunter2\n', [other]) }).catch((e: unknown) => e);
    assert.ok(err instanceof InvalidConfigError);
    assert.equal(err.handling, 'commit');
    assert.equal(err.problems[0]?.file, '.env.age');
    assert.ok(err.problems[0]?.message.includes(host.recipient), err.message);
  });

  it('decrypts an .age file source in memory, marks it secret and keys its hash', async () => {
    const host = await newHost();
    const manifest = 'files:\n  - { path: /etc/moor-files/app.key, source: files/app.key.age, mode: "0600" }\n';
    const load = async () =>
      (await loadAs(host, { 'moor.yaml': manifest, 'files/app.key.age': await enc('-----KEY-----\n', [host], false) })).files[0];
    const file = await load();
    assert.equal(Buffer.from(file?.contentBase64 ?? '', 'base64').toString(), '-----KEY-----\n');
    assert.equal(file?.secret, true);
    assert.equal((await load())?.hash, file?.hash, 're-encryption keeps the hash');
    const step = { kind: 'writeFile', id: 'f', resource: 'file/x', file, dependsOn: [] };
    assert.ok(!JSON.stringify(redactPlan({ steps: [step] } as never)).includes(file?.contentBase64 ?? '?'));
  });

  it('mounts a compose secret read-only from the secret dir, with its owner and mode', async () => {
    const host = await newHost();
    const dir = recordingDir();
    const compose = [
      'name: shop',
      'services:',
      '  db:',
      '    image: local/busybox:1',
      '    secrets: [db, { source: api, target: api-key, uid: "1000", gid: "1000", mode: 0400 }]',
      '  web:',
      '    image: local/busybox:1',
      'secrets:',
      '  db: { file: secrets/db.age }',
      '  api: { file: ./secrets/api.age }',
      '',
    ].join('\n');
    const state = await loadAs(host, { 'compose.yaml': compose, 'secrets/db.age': await enc('pw', [host]), 'secrets/api.age': await enc('key', [host], false) }, dir);
    const db = state.containers.find((c) => c.service === 'db');
    const binds = db?.mounts.filter((m) => m.type === 'bind') ?? [];
    assert.deepEqual(binds.map((m) => [m.target, m.readOnly]), [['/run/secrets/api-key', true], ['/run/secrets/db', true]]);
    assert.deepEqual(dir.writes.map((w) => [w.clear, w.options.mode.toString(8), w.options.uid]).sort(), [['key', '400', 1000], ['pw', '444', null]]);
    assert.ok(dir.writes.every((w) => w.path.startsWith('/tmpfs/shop/')));
    assert.equal(state.containers.find((c) => c.service === 'web')?.mounts.length, 0);
  });
});

describe('secrets offline (the repo CI, no host key)', () => {
  it('checks .age files for presence and format and compose secrets for syntax, decrypting nothing', async () => {
    const { offlineSecrets } = await import('../../../agent/secrets/host-secrets.js');
    const host = await newHost();
    const compose = 'name: shop\nservices:\n  db:\n    image: local/busybox:1\n    secrets: [db, { source: tls, mode: 0999 }]\nsecrets:\n  db: { file: secrets/db.age }\n  tls: { file: secrets/tls.age }\n';
    const dir = await dirOf({ 'compose.yaml': compose, 'secrets/db.age': await enc('pw', [host], false), 'secrets/tls.age': 'plain text' });
    const problems = await validateDir(dir, { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR, secrets: offlineSecrets() });
    assert.deepEqual(problems.map((p) => `${p.file}: ${p.key}: ${p.message}`).sort(), [
      'compose.yaml: services.db.secrets[1].mode: must be an octal mode such as 0400 or "0440"',
      'secrets/tls.age: : not an age file (encrypt it with `moor secrets encrypt` or `age -r`)',
    ]);
    const ok = await dirOf({ 'compose.yaml': compose.replace('mode: 0999', 'mode: 0440'), 'secrets/db.age': await enc('pw', [host]), 'secrets/tls.age': await enc('k', [host]) });
    const state = await loadDesiredState(ok, { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR, secrets: offlineSecrets() });
    assert.deepEqual(state.containers[0]?.mounts.map((m) => m.target), ['/run/secrets/db', '/run/secrets/tls']);
  });
});
