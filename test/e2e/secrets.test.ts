// Secrets end to end: a real agent process reporting to a real hub, the private Docker engine, a
// repo whose `.age` files the real `age` tool wrote. The clear text reaches the containers and
// the file they need, and nothing else the test can read: plan, status, history, logs, the state
// dir, labels, the hub.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { cleanupHost, dockerSocket, testDocker, uniqueHostId } from '../bed/docker-env.js';
import { createTestRepo, type TestRepo } from '../bed/git-repo.js';
import { moor, startAgent, tempDir, waitFor, writeAgentConfig, type AgentProcess } from '../bed/agent-process.js';
import { hubFixture, type HubFixture } from '../integration/hub/hub-process.js';

/** Every clear text the test ever committed, rotated ones included. */
const CLEAR: string[] = [];
const secret = (label: string): string => {
  const value = `${label}-${randomBytes(9).toString('hex')}`;
  CLEAR.push(value);
  return value;
};

function compose(project: string): string {
  const svc = (name: string, extra: string) => `  ${name}:
    image: local/busybox:1
    command: ["sleep", "3600"]
    network_mode: none
    stop_grace_period: 1s
${extra}`;
  return `name: ${project}
services:
${svc('db', '    environment: { PASSWORD: "${DB_PASSWORD}", URL: "pg://app:${DB_PASSWORD}@db" }\n    secrets: [db, { source: tls, target: tls.key, uid: "1000", mode: 0400 }]\n')}${svc('web', '    environment: { API_KEY: "${API_KEY}", MODE: plain }\n')}${svc('cache', '')}secrets:
  db: { file: secrets/db.age }
  tls: { file: secrets/tls.age }
`;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('secrets, end to end', () => {
  const host = uniqueHostId('sec');
  const project = host.replace(/[^a-z0-9]/g, '');
  const branch = `hosts/${host}`;
  const values = { db: secret('dbpw'), api: secret('apikey'), file: secret('dbfile'), tls: secret('tlskey'), key: secret('appkey') };
  let repo: TestRepo;
  let hub: HubFixture;
  let docker: Dockerode;
  let dir: string;
  let secretsDir: string;
  let filesDir: string;
  let config: string;
  let agent: AgentProcess;
  let recipient: string;
  const texts: string[] = []; // everything the CLI printed

  const cli = async (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const r = await moor(['--config', config, ...args]);
    texts.push(r.stdout, r.stderr);
    return r;
  };
  /** Armored, as the real tool writes it (the git test bed commits text). */
  const age = (clear: string, to = recipient): string => execFileSync('age', ['-r', to, '-a'], { input: clear }).toString('utf8');
  const tree = (v: typeof values, to = recipient): Record<string, string> => ({
    'compose.yaml': compose(project),
    '.env.age': age(`DB_PASSWORD=${v.db}\nAPI_KEY=${v.api}\n`, to),
    'secrets/db.age': age(v.file, to),
    'secrets/tls.age': age(v.tls, to),
    'files/app.key.age': age(v.key, to),
    'moor.yaml': `compose: [compose.yaml]\nfiles:\n  - { path: ${filesDir}/app.key, source: files/app.key.age, mode: "0600" }\n`,
  });
  const ids = async (): Promise<Record<string, string>> => {
    const list = await docker.listContainers({ all: true, filters: { label: [`moor.host=${host}`] } });
    return Object.fromEntries(list.map((c) => [(c.Names[0] ?? '').slice(1), c.Id]));
  };
  const exec = async (container: string, cmd: string[]): Promise<{ code: number; out: string }> => {
    const e = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({});
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => stream.on('end', r));
    const raw = Buffer.concat(chunks);
    // Demultiplex docker's 8-byte frame headers.
    let out = '';
    for (let i = 0; i + 8 <= raw.length; ) {
      const size = raw.readUInt32BE(i + 4);
      out += raw.subarray(i + 8, i + 8 + size).toString();
      i += 8 + size;
    }
    return { code: (await e.inspect()).ExitCode ?? -1, out };
  };
  const syncTo = async (head: string): Promise<{ result: string; changes: { name: string; action: string }[] }> => {
    const r = await cli(['--json', 'sync']);
    const outcome = JSON.parse(r.stdout) as { result: string; commit: string; changes: { name: string; action: string }[] };
    const status = JSON.parse((await cli(['--json', 'status'])).stdout) as { revision: { applied: string } };
    if (outcome.result !== 'invalid') assert.equal(status.revision.applied, head, JSON.stringify(outcome));
    return outcome;
  };
  /** Asserts that no clear text the test committed is in `data`, nor its base64. */
  const assertClean = (what: string, data: Buffer | string): void => {
    const text = Buffer.isBuffer(data) ? data.toString('latin1') : data;
    for (const value of CLEAR) {
      assert.ok(!text.includes(value), `${what} holds the clear text ${value}`);
      assert.ok(!text.includes(Buffer.from(value).toString('base64').slice(0, 16)), `${what} holds the base64 of ${value}`);
    }
  };

  before(async () => {
    docker = testDocker();
    dir = tempDir('moor-secrets-e2e-');
    secretsDir = join('/dev/shm', `moor-secrets-${host}`);
    filesDir = join(dir, 'files');
    mkdirSync(filesDir);
    repo = await createTestRepo({ bare: true });
    hub = await hubFixture();
    await hub.start();
    writeFileSync(join(dir, 'hub-token'), hub.addToken(host) + '\n', { mode: 0o600 });
    config = writeAgentConfig(
      dir,
      `host: ${host}
source: { url: ${repo.dir}, interval: 1h }
docker: { socket: ${dockerSocket()} }
stateDir: ${join(dir, 'state')}
secretsDir: ${secretsDir}
policy: { allowedFileRoots: [${filesDir}] }
systemd: { enabled: false }
hub: { url: "ws://127.0.0.1:${hub.port}/agent", tokenFile: ${join(dir, 'hub-token')}, heartbeat: 1s }
`,
    );
    const init = await cli(['secrets', 'init']);
    assert.equal(init.code, 0, init.stderr);
    recipient = init.stdout.trim();
    await repo.commitFiles(branch, tree(values), 'secrets');
    agent = startAgent(config, { logFile: join(dir, 'agent.log') });
    // `moor sync` asks the running agent: wait until it holds the state dir and answers on its socket.
    await waitFor('the agent to answer on its control socket', async () => {
      const r = await cli(['--json', 'status']);
      return r.code === 0 && (JSON.parse(r.stdout) as { agent?: string }).agent === 'running';
    }, { timeoutMs: 60_000 });
  });

  after(async () => {
    await agent?.stop();
    await cleanupHost(docker, host);
    await hub?.kill();
    await repo?.remove();
    rmSync(secretsDir, { recursive: true, force: true });
  });

  it('mounts compose secrets read-only from the tmpfs and puts .env.age values in env', async () => {
    const head = (await repo.git(['rev-parse', branch])).trim();
    await syncTo(head);
    const db = `${project}-db`;
    assert.deepEqual(await exec(db, ['cat', '/run/secrets/db']), { code: 0, out: values.file });
    assert.equal((await exec(db, ['sh', '-c', 'echo "$PASSWORD|$URL"'])).out.trim(), `${values.db}|pg://app:${values.db}@db`);
    assert.equal((await exec(`${project}-web`, ['sh', '-c', 'echo "$API_KEY"'])).out.trim(), values.api);
    assert.notEqual((await exec(db, ['sh', '-c', 'echo x > /run/secrets/db'])).code, 0, 'the secret is read-only');
    assert.equal((await exec(db, ['stat', '-c', '%u %a', '/run/secrets/tls.key'])).out.trim(), '1000 400');
    assert.equal((await exec(db, ['cat', '/run/secrets/tls.key'])).out, values.tls);
    assert.equal(readFileSync(join(filesDir, 'app.key'), 'utf8'), values.key);
    assert.equal(statSync(join(filesDir, 'app.key')).mode & 0o777, 0o600);
    for (const f of filesUnder(secretsDir)) assert.ok(f.startsWith(join(secretsDir, project)), f);
  });

  it('reports the recipient to the hub', async () => {
    await waitFor('the hub to hold the recipient', async () => filesUnder(hub.dir).some((f) => readFileSync(f, 'latin1').includes(recipient)), { timeoutMs: 30_000 });
  });

  it('replaces nothing when the secrets are re-encrypted unchanged', async () => {
    const before = await ids();
    const head = await repo.commitFiles(branch, tree(values), 're-encrypt');
    const outcome = await syncTo(head);
    assert.deepEqual(outcome.changes, []);
    assert.deepEqual(await ids(), before);
  });

  it('replaces only the users of a rotated secret', async () => {
    const before = await ids();
    values.db = secret('dbpw2');
    let head = await repo.commitFiles(branch, tree(values), 'rotate DB_PASSWORD');
    // The plan of a pending rotation names what changes, never the value (checked at the end).
    const pending = await cli(['--json', 'plan']);
    assert.equal(pending.code, 3, pending.stderr);
    assert.match(pending.stdout, /"field": "env",\s*"from": "\(redacted\)",\s*"to": "\(redacted\)"/);
    assert.equal((await cli(['plan'])).code, 3);
    let outcome = await syncTo(head);
    assert.deepEqual(outcome.changes.map((c) => `${c.action} ${c.name}`), [`replace ${project}-db`]);
    const mid = await ids();
    assert.notEqual(mid[`${project}-db`], before[`${project}-db`]);
    assert.equal(mid[`${project}-web`], before[`${project}-web`]);
    assert.equal(mid[`${project}-cache`], before[`${project}-cache`]);
    assert.equal((await exec(`${project}-db`, ['sh', '-c', 'echo "$PASSWORD"'])).out.trim(), values.db);

    values.api = secret('apikey2');
    values.file = secret('dbfile2');
    head = await repo.commitFiles(branch, tree(values), 'rotate API_KEY and the db secret file');
    outcome = await syncTo(head);
    assert.deepEqual(outcome.changes.map((c) => `${c.action} ${c.name}`).sort(), [`replace ${project}-db`, `replace ${project}-web`]);
    assert.equal((await ids())[`${project}-cache`], before[`${project}-cache`]);
    assert.equal((await exec(`${project}-db`, ['cat', '/run/secrets/db'])).out, values.file);

    values.key = secret('appkey2');
    head = await repo.commitFiles(branch, tree(values), 'rotate the app key file');
    const filePlan = await cli(['--json', 'plan']);
    assert.equal(filePlan.code, 3, filePlan.stderr);
    assert.match(filePlan.stdout, /"field": "content",\s*"from": "\(redacted\)",\s*"to": "\(redacted\)"/);
    outcome = await syncTo(head);
    assert.deepEqual(outcome.changes.map((c) => `${c.action} ${c.name}`), [`update ${join(filesDir, 'app.key')}`]);
    assert.equal(readFileSync(join(filesDir, 'app.key'), 'utf8'), values.key);
  });

  it('refuses a commit the host cannot decrypt, naming the file and its recipient', async () => {
    const other = execFileSync('age-keygen').toString().match(/public key: (age1\w+)/)?.[1] ?? '';
    const bad = { ...tree(values), 'secrets/db.age': age(values.file, other) };
    await repo.commitFiles(branch, bad, 'db secret for another host');
    const r = await cli(['--json', 'sync']);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as { result: string }).result, 'invalid');
    const status = JSON.parse((await cli(['--json', 'status'])).stdout) as { lastSync: { error: { message: string } } };
    assert.match(status.lastSync.error.message, new RegExp(`secrets/db\\.age:1: not encrypted to this host: recipient ${recipient} is missing`));
  });

  it('leaves no clear text in plan, status, history, logs, labels, the state dir or the hub', async () => {
    await cli(['--json', 'plan']);
    await cli(['plan']);
    await cli(['--json', 'status']);
    await cli(['--json', 'history']);
    await cli(['status']);
    await cli(['history']);
    for (const [i, t] of texts.entries()) assertClean(`CLI output #${i}`, t);
    assertClean('the agent log', readFileSync(join(dir, 'agent.log')));
    for (const f of filesUnder(join(dir, 'state'))) assertClean(f, readFileSync(f));
    for (const f of filesUnder(hub.dir)) assertClean(f, readFileSync(f));
    for (const id of Object.values(await ids())) {
      const c = await docker.getContainer(id).inspect();
      assertClean(`labels of ${c.Name}`, JSON.stringify(c.Config.Labels));
    }
    // The check itself finds clear text where it is meant to be: the env the engine holds.
    const db = await docker.getContainer(`${project}-db`).inspect();
    assert.throws(() => assertClean('the env of db', JSON.stringify(db.Config.Env)), /holds the clear text/);
  });
});
