// A commit that fails to load must not leak the secrets it held: every secret value the loader
// read (`.env.age`, secret-named `.env` keys, env_file values, the agent's own passwords) is
// redacted from its problems, so the verdict, the event, the plan and validate never show it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { DEFAULT_PROJECTS_DIR, loadDesiredState, validateDir } from '../../../agent/desired/load.js';
import { InvalidConfigError } from '../../../agent/contracts/errors.js';
import { encryptAge } from '../../../agent/secrets/age-file.js';
import { ensureIdentity, type HostIdentity } from '../../../agent/secrets/identity.js';
import { createRepoSecrets } from '../../../agent/secrets/repo-secrets.js';
import { configDir, POLICY } from '../desired/fixtures.js';
import { FakeHost } from '../reconciler/fakes.js';

const MAIN = path.resolve('build/moor.cjs');
const AGE_VALUE = 'age-s3cret-Value-77';
const DOTENV_TOKEN = 'tok-plain-1234567';
const ENV_FILE_VALUE = 'env-file-pw-9999';
const REGISTRY_PASSWORD = 'registry-pw-31415';

/** Each secret value also written, literally, into a key whose value is invalid (the messages quote them). */
const COMPOSE = `services:
  web:
    image: local/busybox:1
    env_file: [app.env]
    environment:
      DB_PASSWORD: \${DB_PASSWORD}
    ports: ["${AGE_VALUE}:80"]
    network_mode: "${DOTENV_TOKEN}"
    container_name: "${ENV_FILE_VALUE} x"
    links: ["${REGISTRY_PASSWORD}:a:b"]
`;
const SECRETS = [AGE_VALUE, DOTENV_TOKEN, ENV_FILE_VALUE, REGISTRY_PASSWORD];

async function newHost(): Promise<HostIdentity> {
  return (await ensureIdentity(join(await mkdtemp(join(tmpdir(), 'moor-host-')), 'state'))).identity;
}

async function commitDir(host: HostIdentity, compose = COMPOSE): Promise<string> {
  const dir = await configDir({ 'compose.yaml': compose, '.env': `API_TOKEN=${DOTENV_TOKEN}\nREGION=eu\n`, 'app.env': `FROM_FILE=${ENV_FILE_VALUE}\n` });
  const age = await encryptAge(Buffer.from(`DB_PASSWORD=${AGE_VALUE}\n`), [host.recipient], { armor: true });
  await writeFile(join(dir, '.env.age'), age);
  return dir;
}

function options(host: HostIdentity) {
  const secretDir = { pathOf: (p: string, n: string, h: string) => `/tmpfs/${p}/${n}-${h.slice(0, 8)}`, write: async () => undefined };
  return { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR, secrets: createRepoSecrets({ identity: async () => host, secretDir }, { materialise: false }), knownSecrets: [REGISTRY_PASSWORD] };
}

async function loadError(host: HostIdentity, dir: string, opts = options(host)): Promise<InvalidConfigError> {
  try {
    await loadDesiredState(dir, opts);
  } catch (err) {
    if (err instanceof InvalidConfigError) return err;
    throw err;
  }
  assert.fail('the commit loaded');
}

function assertHidden(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} shows ${s}: ${text}`);
}

let fake: FakeHost | null = null;
afterEach(() => fake?.close());

describe('the problems of an invalid commit are redacted', () => {
  it('quotes the values of these keys when they are not secrets (so the test means something)', async () => {
    const host = await newHost();
    const compose = COMPOSE.replace('    env_file: [app.env]\n', '').replace('\${DB_PASSWORD}', 'x');
    const dir = await configDir({ 'compose.yaml': compose, '.env': `NOT_HIDDEN=${DOTENV_TOKEN}\n` });
    const plain = await loadError(host, dir, { ...options(host), knownSecrets: [] });
    const text = JSON.stringify(plain.toJSON());
    for (const s of SECRETS) assert.ok(text.includes(s), `${s} is not quoted: ${text}`);
  });

  it('hides every secret the load read, even read after the problem was found, and still names each key', async () => {
    const host = await newHost();
    const err = await loadError(host, await commitDir(host));
    const text = JSON.stringify(err.toJSON());
    assertHidden(text, 'the error');
    assertHidden(err.message, 'the message');
    const keys = err.problems.map((p) => p.key);
    for (const key of ['services.web.ports[0]', 'services.web.network_mode', 'services.web.container_name', 'services.web.links[0]']) {
      assert.ok(keys.includes(key), `${key} not reported: ${keys.join(', ')}`);
    }
    assert.match(text, /\(redacted\)/);
  });

  it('hides them from validate\'s problem list too', async () => {
    const host = await newHost();
    const problems = await validateDir(await commitDir(host), options(host));
    assert.ok(problems.length >= 4);
    assertHidden(JSON.stringify(problems), 'validate');
  });

  it('keeps them out of the stored verdict, the commit.invalid event, the sync outcome and planNow', async () => {
    const host = await newHost();
    const err = await loadError(host, await commitDir(host));
    fake = new FakeHost({ images: {} });
    const commit = fake.push(err);
    const out = await fake.reconciler.sync('commit');
    assert.equal(out.result, 'invalid');
    assertHidden(JSON.stringify(out), 'the outcome');
    assertHidden(JSON.stringify(fake.store.revision(commit)), 'the verdict');
    const event = fake.events.find((e) => e.type === 'commit.invalid');
    assert.ok(event);
    assertHidden(JSON.stringify(event), 'the event');
    assertHidden(JSON.stringify(await fake.reconciler.planNow()), 'planNow');
  });

  it('`moor plan --dir` and `moor validate` print no secret of an invalid commit', async () => {
    // Offline (no host identity): the .env and env_file secrets are what these commands can read.
    const dir = await configDir({ 'compose.yaml': COMPOSE.replace('\${DB_PASSWORD}', 'x'), '.env': `API_TOKEN=${DOTENV_TOKEN}\n`, 'app.env': `FROM_FILE=${ENV_FILE_VALUE}\n` });
    const { MOOR_CONFIG: _none, ...env } = process.env;
    for (const args of [['plan', '--dir', dir, '--offline'], ['plan', '--dir', dir, '--offline', '--json'], ['validate', dir], ['--json', 'validate', dir]]) {
      const run = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env });
      assert.notEqual(run.status, 0, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stdout + run.stderr, /network_mode/);
      for (const s of [DOTENV_TOKEN, ENV_FILE_VALUE]) assert.ok(!(run.stdout + run.stderr).includes(s), `${args.join(' ')} shows ${s}`);
    }
  });
});
