// Compose projects on the host, against the real engine and a real git repo: the project
// directory (config files from the commit, data directories), build: from the commit, and
// taking over a project that Debian's docker-compose 1.29 started.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { demultiplex } from '../../../agent/executors/docker/dockerode-engine.js';
import { dockerSocket, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { useTestHost } from './harness.js';

const docker = testDocker();
const run = promisify(execFile);

async function containerOf(name: string): Promise<{ id: string; running: boolean } | null> {
  try {
    const info = await docker.getContainer(name).inspect();
    return { id: info.Id, running: info.State.Running };
  } catch {
    return null;
  }
}

/** Waits until a container's output contains `text` (the container prints, then sleeps). */
async function waitForOutput(name: string, text: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let out = '';
  while (Date.now() < deadline) {
    const raw: unknown = await docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false }).catch(() => Buffer.alloc(0));
    out = demultiplex(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    if (out.includes(text)) return out;
    await new Promise((r) => setTimeout(r, 200));
  }
  const info = await docker.getContainer(name).inspect().catch((e: unknown) => String(e));
  assert.fail(`${JSON.stringify(info).slice(0, 3000)} ${name} never printed ${JSON.stringify(text)}; it printed ${JSON.stringify(out)}`);
}

const PRINT_CONF = ['    command: ["sh", "-c", "cat /etc/app/app.conf; echo; echo \\"$$N\\" >> /data/log; sleep 3600"]'];

function project(name: string, n: number): string {
  return [
    `name: ${name}`,
    'services:',
    '  app:',
    '    image: local/busybox:1',
    ...PRINT_CONF,
    '    network_mode: none',
    '    stop_grace_period: 1s',
    '    environment:',
    `      N: "${n}"`,
    '    volumes:',
    '      - ./config/app.conf:/etc/app/app.conf:ro',
    '      - ./data:/data',
    '',
  ].join('\n');
}

describe('project directory: config files from the commit, data directories kept', () => {
  const t = useTestHost('projdir');
  const name = `pd${uniqueHostId('p').slice(-8)}`;
  const dir = (): string => join(t.dir, 'state', 'projects', name);

  it('mounts a config file of the commit and creates the data directory', async () => {
    await t.repo.commitFiles(t.branch, { 'compose.yaml': project(name, 0), 'config/app.conf': 'level=1' }, 'first');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    await waitForOutput(`${name}-app`, 'level=1');
    assert.equal(fs.readFileSync(join(dir(), 'config/app.conf'), 'utf8'), 'level=1');
    assert.ok(fs.statSync(join(dir(), 'data')).isDirectory());
    const again = await t.h.reconciler.sync('drift');
    assert.equal(again.result, 'unchanged', JSON.stringify(again.changes));
  });

  it('replaces the container when the file changes in a commit, and plan says which file', async () => {
    const before = await containerOf(`${name}-app`);
    await t.repo.commitFiles(t.branch, { 'config/app.conf': 'level=2' }, 'raise the level');
    const planned = await t.h.reconciler.planNow();
    const replace = planned.plan.changes.find((c) => c.kind === 'container');
    assert.equal(replace?.why, 'file config/app.conf changed');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    const now = await containerOf(`${name}-app`);
    assert.notEqual(now?.id, before?.id, 'replaced');
    await waitForOutput(`${name}-app`, 'level=2');
    assert.equal((await t.h.reconciler.sync('drift')).result, 'unchanged');
  });

  it('keeps what the container wrote in the data directory across ten commits and a prune', async () => {
    for (let n = 1; n <= 10; n++) {
      await t.repo.commitFiles(t.branch, { 'compose.yaml': project(name, n) }, `commit ${n}`);
      const out = await t.h.reconciler.sync('commit');
      assert.equal(out.result, 'converged', JSON.stringify(out.error));
    }
    await waitForOutput(`${name}-app`, 'level=2');
    const log = (): string[] => fs.readFileSync(join(dir(), 'data', 'log'), 'utf8').trim().split('\n');
    const deadline = Date.now() + 20_000;
    while (!log().includes('10') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(log(), ['0', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    // The service goes away: its container is pruned, its data stays.
    await t.repo.commitFiles(t.branch, { 'compose.yaml': `name: ${name}\nservices: {}\n`, 'config/app.conf': null }, 'drop the service');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    assert.equal(await containerOf(`${name}-app`), null);
    assert.equal(log().length, 12, 'the data directory is untouched');
  });

  it('removes a file from the project directory once the commit no longer holds it', async () => {
    await t.repo.commitFiles(t.branch, { 'compose.yaml': project(name, 11), 'config/app.conf': 'level=3', 'config/extra.conf': 'x' }, 'back');
    await t.repo.commitFiles(
      t.branch,
      { 'compose.yaml': project(name, 11).replace('./config/app.conf:/etc/app/app.conf:ro', './config:/etc/app:ro'), 'config/extra.conf': 'x' },
      'mount the folder',
    );
    assert.equal((await t.h.reconciler.sync('commit')).result, 'converged');
    assert.ok(fs.existsSync(join(dir(), 'config/extra.conf')));
    await t.repo.commitFiles(t.branch, { 'config/extra.conf': null }, 'drop extra');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    assert.ok(!fs.existsSync(join(dir(), 'config/extra.conf')), 'removed');
    assert.ok(fs.existsSync(join(dir(), 'data', 'log')), 'data kept');
  });
});

describe('build: an image built on the host from the commit', () => {
  const t = useTestHost('build');
  const name = `bd${uniqueHostId('p').slice(-8)}`;
  const image = `${name}-app`;
  after(async () => {
    await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  });
  const files = (msg: string): Record<string, string> => ({
    'compose.yaml': [`name: ${name}`, 'services:', '  app:', '    build: ./app', '    network_mode: none', '    stop_grace_period: 1s', ''].join('\n'),
    'app/Dockerfile': 'FROM local/busybox:1\nCOPY msg /msg\nCMD ["sh", "-c", "cat /msg; sleep 3600"]\n',
    // With a newline: the engine's log keeps a partial line until the container ends.
    'app/msg': `${msg}\n`,
  });
  const imageId = async (): Promise<string> => (await docker.getImage(image).inspect()).Id;

  let first = '';
  it('builds once, tagged <project>-<service>, and runs it', async () => {
    await t.repo.commitFiles(t.branch, files('hello-1'), 'build');
    const started = Date.now();
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    console.log(`# first build and start: ${Date.now() - started} ms`);
    first = await imageId();
    await waitForOutput(`${name}-app`, 'hello-1');
  });

  it('does not build again on a no-op sync', async () => {
    const out = await t.h.reconciler.sync('drift');
    assert.equal(out.result, 'unchanged', JSON.stringify(out.changes));
    assert.equal(await imageId(), first);
  });

  it('rebuilds when the context changes, and the container runs the new image', async () => {
    await t.repo.commitFiles(t.branch, { 'app/msg': 'hello-2\n' }, 'new message');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    assert.ok(out.changes.some((c) => c.kind === 'image' && c.why === 'build context app changed'));
    assert.notEqual(await imageId(), first);
    await waitForOutput(`${name}-app`, 'hello-2');
  });

  it('fails the commit on a broken Dockerfile, with the build output', async () => {
    await t.repo.commitFiles(t.branch, { 'app/Dockerfile': 'FROM local/busybox:1\nRUN echo about-to-fail && false\n' }, 'broken');
    const out = await t.h.reconciler.sync('commit');
    assert.ok(out.result === 'rolled-back' || out.result === 'failed', out.result);
    assert.equal(out.error?.code, 'BUILD_FAILED');
    assert.equal(out.retry, false);
    assert.match(JSON.stringify(out.error?.data?.['log']), /about-to-fail/);
    await waitForOutput(`${name}-app`, 'hello-2');
  });
});

describe('build: a context the commit does not hold is built from the host', () => {
  const t = useTestHost('hostbuild');
  const name = `hb${uniqueHostId('p').slice(-8)}`;
  const image = `${name}-app`;
  after(async () => {
    await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  });
  const compose = [`name: ${name}`, 'services:', '  app:', '    build: ./backend', '    network_mode: none', '    stop_grace_period: 1s', ''].join('\n');
  const backend = (): string => join(t.dir, 'state', 'projects', name, 'backend');

  it('fails the commit, naming the context, while the host does not hold it either', async () => {
    await t.repo.commitFiles(t.branch, { 'compose.yaml': compose }, 'host build');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.error?.code, 'BUILD_FAILED', JSON.stringify(out.error));
    assert.match(out.error?.message ?? '', /backend is not in the commit/);
  });

  it('builds what the host holds in the project directory once, and not again on a no-op sync', async () => {
    fs.mkdirSync(backend(), { recursive: true });
    fs.writeFileSync(join(backend(), 'Dockerfile'), 'FROM local/busybox:1\nCOPY msg /msg\nCMD ["sh", "-c", "cat /msg; sleep 3600"]\n');
    fs.writeFileSync(join(backend(), 'msg'), 'from-the-host\n');
    await t.repo.commitFiles(t.branch, { 'compose.yaml': `${compose}# retry\n` }, 'host build again');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    await waitForOutput(`${name}-app`, 'from-the-host');
    const id = (await docker.getImage(image).inspect()).Id;
    const again = await t.h.reconciler.sync('drift');
    assert.equal(again.result, 'unchanged', JSON.stringify(again.changes));
    assert.equal((await docker.getImage(image).inspect()).Id, id);
  });
});

/** Runs Debian's docker-compose 1.29 against the private engine. */
async function dockerCompose(dir: string, args: string[]): Promise<void> {
  await run('docker-compose', args, { cwd: dir, env: { ...process.env, DOCKER_HOST: `unix://${dockerSocket()}` }, timeout: 120_000 });
}

describe('taking over a project that docker-compose started', () => {
  const t = useTestHost('adopt');
  const name = `ad${uniqueHostId('p').slice(-8)}`;
  const composeFile = (adopt: boolean, containerName = ''): string =>
    [
      ...(adopt ? ['x-moor: { adopt: true }'] : []),
      'version: "2.4"',
      'services:',
      '  db:',
      '    image: local/busybox:1',
      '    command: ["sh", "-c", "[ -f /data/rows ] || echo precious > /data/rows; cat /data/rows; sleep 3600"]',
      '    stop_grace_period: 1s',
      ...(containerName ? [`    container_name: ${containerName}`] : []),
      '    volumes: ["data:/data"]',
      'volumes:',
      '  data: {}',
      '',
    ].join('\n');
  const composeDir = (): string => join(t.dir, 'compose');
  after(async () => {
    await dockerCompose(composeDir(), ['-p', name, 'down', '-v']).catch(() => undefined);
    await docker.getContainer('clash-db').remove({ force: true }).catch(() => undefined);
    await docker.getVolume(`${name}_data`).remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(`${name}_default`).remove().catch(() => undefined);
  });

  it('refuses a container name held by the compose project without adopt, naming the project, once', async () => {
    fs.mkdirSync(composeDir(), { recursive: true });
    fs.writeFileSync(join(composeDir(), 'docker-compose.yml'), composeFile(false, 'clash-db'));
    await dockerCompose(composeDir(), ['-p', name, 'up', '-d']);
    await t.repo.commitFiles(t.branch, { 'compose.yaml': `name: ${name}\n${composeFile(false, 'clash-db')}` }, 'no adopt');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'failed');
    assert.equal(out.error?.code, 'NAME_CONFLICT');
    assert.match(out.error?.message ?? '', new RegExp(`docker compose project "${name}"`));
    assert.equal(out.retry, false);
    assert.equal((await t.h.reconciler.sync('drift')).result, 'failed', 'not retried on the same commit');
    await dockerCompose(composeDir(), ['-p', name, 'down']);
  });

  it('refuses a volume left by docker-compose down instead of "creating" it on every sync', async () => {
    await t.repo.commitFiles(t.branch, { 'compose.yaml': `name: ${name}\n${composeFile(false)}` }, 'volume left behind');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'failed');
    assert.equal(out.error?.code, 'VOLUME_NOT_OWNED');
    assert.match(out.error?.message ?? '', /adopt: true/);
  });

  it('takes the project over with x-moor: { adopt: true }: compose containers replaced, data kept', async () => {
    fs.writeFileSync(join(composeDir(), 'docker-compose.yml'), composeFile(false));
    await dockerCompose(composeDir(), ['-p', name, 'up', '-d']);
    await waitForOutput(`${name}_db_1`, 'precious');
    await docker.getContainer(`${name}_db_1`).exec({ Cmd: ['sh', '-c', 'echo added-by-compose >> /data/rows'] }).then((e) => e.start({})).then(
      (s) => new Promise((r) => s.on('end', r).resume()),
    );
    await t.repo.commitFiles(t.branch, { 'compose.yaml': `name: ${name}\n${composeFile(true)}` }, 'adopt');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    assert.equal(await containerOf(`${name}_db_1`), null, 'compose container replaced');
    assert.ok((await containerOf(`${name}-db`))?.running);
    await waitForOutput(`${name}-db`, 'added-by-compose');
    const volume = await docker.getVolume(`${name}_data`).inspect();
    assert.equal(volume.Labels?.['com.docker.compose.project'], name, 'the same volume, not a new one');
    const again = await t.h.reconciler.sync('drift');
    assert.equal(again.result, 'unchanged', JSON.stringify(again.changes));
  });
});
