// The daemon's load of a new commit in a child process: the real load child (load-main.js) reads
// a real config tree, and what crosses the IPC channel is what the agent applies. Broken children
// are small node scripts standing in for load-main.js.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ChildCommand } from '../../../agent/child-command.js';
import { loadCommit } from '../../../agent/commit-load/load-commit.js';
import { loadChildCommand, loadInChild } from '../../../agent/commit-load/load-child.js';
import { InvalidConfigError, MoorError, type ConfigProblem } from '../../../agent/contracts/errors.js';
import { DEFAULT_PROJECTS_DIR } from '../../../agent/desired/load.js';
import { encryptAge } from '../../../agent/secrets/age-file.js';
import { createHostSecrets } from '../../../agent/secrets/host-secrets.js';
import { ensureIdentity } from '../../../agent/secrets/identity.js';
import { configDir, POLICY } from '../desired/fixtures.js';

const AGENT_TOKEN = 'hub-token-271828';
const AGE_VALUE = 'age-s3cret-Value-42';

interface Host {
  stateDir: string;
  secretsDir: string;
  recipient: string;
}

async function newHost(): Promise<Host> {
  const root = await mkdtemp(join(tmpdir(), 'moor-load-child-'));
  const stateDir = join(root, 'state');
  const { identity } = await ensureIdentity(stateDir);
  return { stateDir, secretsDir: join(root, 'secrets'), recipient: identity.recipient };
}

/** A commit with an encrypted .env, an unset variable (a warning) and, optionally, a broken key. */
async function commit(host: Host, extra = ''): Promise<string> {
  const compose = `services:
  web:
    image: local/busybox:1
    command: ["sleep", "\${NAP:-3600}"]
    environment:
      DB_PASSWORD: \${DB_PASSWORD}
      REGION: \${REGION}
${extra}`;
  const dir = await configDir({ 'compose.yaml': compose });
  await writeFile(join(dir, '.env.age'), await encryptAge(Buffer.from(`DB_PASSWORD=${AGE_VALUE}\n`), [host.recipient], { armor: true }));
  return dir;
}

function inChild(host: Host, command: () => Promise<ChildCommand> = loadChildCommand, warnings: ConfigProblem[] = []) {
  return loadInChild({
    command,
    request: { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR, stateDir: host.stateDir, secretsDir: host.secretsDir, knownSecrets: [AGENT_TOKEN], verifyUnits: false },
    onWarning: (w) => warnings.push(w),
  });
}

function inProcess(host: Host, dir: string, warnings: ConfigProblem[] = []) {
  const secrets = createHostSecrets({ stateDir: host.stateDir, secretsDir: host.secretsDir, materialise: true });
  return loadCommit(dir, { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR, secrets: secrets.repo, knownSecrets: [AGENT_TOKEN], verifyUnits: false, onWarning: (w) => warnings.push(w) });
}

const script = (code: string): (() => Promise<ChildCommand>) => () => Promise.resolve({ file: process.execPath, args: ['-e', code] });

describe('loading a new commit in the load child', () => {
  it("returns the same desired state as a load in the agent's own process, decrypted with the host's identity", async () => {
    const host = await newHost();
    const dir = await commit(host);
    const childWarnings: ConfigProblem[] = [];
    const ownWarnings: ConfigProblem[] = [];
    const fromChild = await inChild(host, loadChildCommand, childWarnings).load(dir);
    assert.deepEqual(fromChild, await inProcess(host, dir, ownWarnings));
    assert.ok(fromChild.secretValues?.includes(AGE_VALUE), 'the clear text of .env.age reaches the agent, to be kept out of what it shows');
    assert.equal(fromChild.containers[0]?.name, 'default-web');
    assert.deepEqual(childWarnings, ownWarnings);
    assert.ok(childWarnings.some((w) => w.key.includes('REGION')), `the unset REGION is a warning: ${JSON.stringify(childWarnings)}`);
  });

  it('makes an invalid commit an InvalidConfigError with each problem where it is, secrets redacted', async () => {
    const host = await newHost();
    const dir = await commit(host, `    ports: ["${AGE_VALUE}:80"]\n    network_mode: "${AGENT_TOKEN}"\n`);
    const own = await inProcess(host, dir).then(() => assert.fail('the commit is invalid'), (err: unknown) => err);
    await assert.rejects(inChild(host).load(dir), (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError && own instanceof InvalidConfigError);
      assert.equal(err.handling, 'commit');
      assert.deepEqual(err.problems, own.problems);
      assert.ok(err.problems.length >= 2 && err.problems.every((p) => p.file === 'compose.yaml' && p.line > 0));
      const text = JSON.stringify(err.toJSON());
      assert.ok(!text.includes(AGE_VALUE) && !text.includes(AGENT_TOKEN), text);
      return true;
    });
  });

  it('makes a child that dies without an answer a retryable failure that says how it ended', async () => {
    const dying = inChild(await newHost(), script("process.stderr.write('killed by the OOM killer, say\\n'); process.exit(137)"));
    await assert.rejects(dying.load('/nonexistent'), (err: unknown) => {
      assert.ok(err instanceof MoorError);
      assert.equal(err.code, 'LOAD_CHILD_FAILED');
      assert.equal(err.handling, 'retry');
      assert.match(err.message, /exit code 137: killed by the OOM killer, say/);
      return true;
    });
  });

  it('does not take a state that is not a desired state', async () => {
    const garbled = inChild(await newHost(), script("process.once('message', () => process.send({ type: 'loaded', state: { containers: 'all of them' }, warnings: [], peakKb: 1 }, () => process.exit(0)))"));
    await assert.rejects(garbled.load('/nonexistent'), (err: unknown) => err instanceof MoorError && err.code === 'LOAD_CHILD_FAILED' && /unreadable reply: state\.containers/.test(err.message));
  });

  it("keeps the child's classification of other errors: a bug stays a bug", async () => {
    const buggy = inChild(await newHost(), script("process.once('message', () => process.send({ type: 'failed', error: { code: 'BUG', message: 'unexpected TypeError', handling: 'bug' }, warnings: [], peakKb: 1 }, () => process.exit(0)))"));
    await assert.rejects(buggy.load('/nonexistent'), (err: unknown) => err instanceof MoorError && !(err instanceof InvalidConfigError) && err.code === 'BUG' && err.handling === 'bug');
  });

  it('serves the load with a child started ahead, and ends one started ahead and never asked', async () => {
    const host = await newHost();
    const dir = await commit(host);
    const loads = inChild(host);
    loads.prepare();
    assert.equal((await loads.load(dir)).containers[0]?.name, 'default-web');

    const waiting = inChild(host, script('process.once("message", () => {}); setInterval(() => {}, 1000);'));
    const before = new Set(childPids());
    waiting.prepare();
    const pid = await until(async () => childPids().find((p) => !before.has(p)) ?? null);
    waiting.release();
    await until(async () => (alive(pid) ? null : 'ended'));
  });

  it('ends a child started ahead that is not asked in time, and starts another for the load', async () => {
    const host = await newHost();
    let starts = 0;
    const loads = loadInChild({
      command: async () => (++starts === 1 ? script('process.once("message", () => {}); setInterval(() => {}, 1000);')() : loadChildCommand()),
      request: { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR, stateDir: host.stateDir, secretsDir: host.secretsDir, knownSecrets: [], verifyUnits: false },
      aheadMs: 2_000,
    });
    const before = new Set(childPids());
    loads.prepare();
    const pid = await until(async () => childPids().find((p) => !before.has(p)) ?? null);
    await until(async () => (alive(pid) ? null : 'ended'));
    assert.equal((await loads.load(await commit(host))).containers[0]?.name, 'default-web');
    assert.equal(starts, 2);
  });
});

/** This process's children, from /proc: a child shows there from its fork on. */
function childPids(): number[] {
  return readdirSync('/proc/self/task').flatMap((task) => readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `probe` until it answers, for up to 20 s. */
async function until<T>(probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== '') return value;
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
