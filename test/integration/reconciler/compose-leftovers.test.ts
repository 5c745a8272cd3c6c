// Compose behaviours on the real engine: an included file in a subfolder binds its own ./conf,
// anonymous volumes survive a replacement, start_interval on an engine that ignores it keeps a
// no-op sync a no-op, and moor.yaml `adopt:` takes over a project docker-compose 1.29 started.

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

async function inspected(name: string): Promise<{ id: string; volumes: string[] } | null> {
  try {
    const info = await docker.getContainer(name).inspect();
    return { id: info.Id, volumes: info.Mounts.flatMap((m) => (m.Type === 'volume' && m.Name ? [m.Name] : [])) };
  } catch {
    return null;
  }
}

/** Waits until a container's output contains `text`. */
async function waitForOutput(name: string, text: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let out = '';
  while (Date.now() < deadline) {
    const raw: unknown = await docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false }).catch(() => Buffer.alloc(0));
    out = demultiplex(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    if (out.includes(text)) return out;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${name} never printed ${JSON.stringify(text)}; it printed ${JSON.stringify(out)}`);
}

describe('include: a file in a subfolder binds ./conf from that subfolder', () => {
  const t = useTestHost('incl');
  const name = `in${uniqueHostId('p').slice(-8)}`;
  const broker = [
    'services:',
    '  broker:',
    '    image: local/busybox:1',
    '    command: ["sh", "-c", "cat /etc/app/app.conf; echo; sleep 3600"]',
    '    network_mode: none',
    '    stop_grace_period: 1s',
    '    volumes: ["./conf:/etc/app:ro"]',
    '',
  ].join('\n');

  it('mounts the subfolder content, and replaces the container when it changes', async () => {
    await t.repo.commitFiles(t.branch, { 'compose.yaml': `name: ${name}\ninclude: [mqtt/compose.yaml]\n`, 'mqtt/compose.yaml': broker, 'mqtt/conf/app.conf': 'level=sub-1' }, 'include');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    await waitForOutput(`${name}-broker`, 'level=sub-1');
    assert.equal(fs.readFileSync(join(t.dir, 'state', 'projects', name, 'mqtt/conf/app.conf'), 'utf8'), 'level=sub-1');
    await t.repo.commitFiles(t.branch, { 'mqtt/conf/app.conf': 'level=sub-2' }, 'change');
    const planned = await t.h.reconciler.planNow();
    assert.equal(planned.plan.changes.find((c) => c.kind === 'container')?.why, 'file mqtt/conf changed');
    assert.equal((await t.h.reconciler.sync('commit')).result, 'converged');
    await waitForOutput(`${name}-broker`, 'level=sub-2');
    assert.equal((await t.h.reconciler.sync('drift')).result, 'unchanged');
  });
});

describe('anonymous volumes on replacement', () => {
  const t = useTestHost('anon');
  const name = `an${uniqueHostId('p').slice(-8)}`;
  const kept: string[] = [];
  after(async () => {
    for (const v of kept) await docker.getVolume(v).remove().catch(() => undefined);
  });
  const file = (n: number, startFirst = false): string =>
    [
      `name: ${name}`,
      'services:',
      '  app:',
      ...(startFirst ? ['    x-moor: { update: start-first }'] : []),
      '    image: local/busybox:1',
      '    command: ["sh", "-c", "echo seen:$$(cat /data/seen 2>/dev/null | tr \\"\\\\n\\" ,); echo $$N >> /data/seen; sleep 3600"]',
      '    network_mode: none',
      '    stop_grace_period: 1s',
      `    environment: { N: "${n}" }`,
      '    volumes: ["/data"]',
      '',
    ].join('\n');

  it('gives the replacement the volume the old container wrote to', async () => {
    await t.repo.commitFiles(t.branch, { 'compose.yaml': file(1) }, 'first');
    assert.equal((await t.h.reconciler.sync('commit')).result, 'converged');
    await waitForOutput(`${name}-app`, 'seen:');
    const before = await inspected(`${name}-app`);
    kept.push(...(before?.volumes ?? []));
    assert.equal(before?.volumes.length, 1);
    for (const n of [2, 3]) {
      await t.repo.commitFiles(t.branch, { 'compose.yaml': file(n) }, `env ${n}`);
      const out = await t.h.reconciler.sync('commit');
      assert.equal(out.result, 'converged', JSON.stringify(out.error));
    }
    const now = await inspected(`${name}-app`);
    assert.notEqual(now?.id, before?.id, 'replaced');
    assert.deepEqual(now?.volumes, before?.volumes, 'the same anonymous volume');
    await waitForOutput(`${name}-app`, 'seen:1,2,');
  });

  it('gives it to a start-first replacement too, while the old one still runs', async () => {
    const before = await inspected(`${name}-app`);
    await t.repo.commitFiles(t.branch, { 'compose.yaml': file(4, true) }, 'start-first');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    const now = await inspected(`${name}-app`);
    assert.notEqual(now?.id, before?.id, 'replaced');
    assert.deepEqual(now?.volumes, before?.volumes, 'the same anonymous volume');
    await waitForOutput(`${name}-app`, 'seen:1,2,3,');
  });
});

describe('healthcheck.start_interval on an engine older than API 1.44', () => {
  const t = useTestHost('sint');
  const name = `si${uniqueHostId('p').slice(-8)}`;
  const file = [
    `name: ${name}`,
    'services:',
    '  app:',
    '    image: local/busybox:1',
    '    command: ["sleep", "3600"]',
    '    network_mode: none',
    '    stop_grace_period: 1s',
    '    healthcheck: { test: ["CMD", "true"], interval: 1s, start_period: 5s, start_interval: 1s }',
    '',
  ].join('\n');

  it('converges, and a no-op sync after it replaces nothing', async () => {
    const version = (await docker.version()).ApiVersion;
    await t.repo.commitFiles(t.branch, { 'compose.yaml': file }, 'start_interval');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    const id = (await inspected(`${name}-app`))?.id;
    const again = await t.h.reconciler.sync('drift');
    assert.equal(again.result, 'unchanged', `engine API ${version}: ${JSON.stringify(again.changes)}`);
    assert.equal((await inspected(`${name}-app`))?.id, id);
  });
});

/** Runs Debian's docker-compose 1.29 against the private engine. */
async function dockerCompose(dir: string, args: string[]): Promise<void> {
  await run('docker-compose', args, { cwd: dir, env: { ...process.env, DOCKER_HOST: `unix://${dockerSocket()}` }, timeout: 120_000 });
}

describe('adopt: in moor.yaml', () => {
  const t = useTestHost('myadopt');
  const name = `ma${uniqueHostId('p').slice(-8)}`;
  const composeFile = [
    'version: "2.4"',
    'services:',
    '  db:',
    '    image: local/busybox:1',
    '    command: ["sh", "-c", "[ -f /data/rows ] || echo precious > /data/rows; cat /data/rows; cat /cache/c 2>/dev/null; sleep 3600"]',
    '    stop_grace_period: 1s',
    '    volumes: ["data:/data", "/cache"]',
    'volumes:',
    '  data: {}',
    '',
  ].join('\n');
  const composeDir = (): string => join(t.dir, 'compose');
  let anonymous = '';
  after(async () => {
    if (anonymous) await docker.getVolume(anonymous).remove().catch(() => undefined);
  });
  after(async () => {
    await dockerCompose(composeDir(), ['-p', name, 'down', '-v']).catch(() => undefined);
    await docker.getVolume(`${name}_data`).remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(`${name}_default`).remove().catch(() => undefined);
  });

  it('takes over the project docker-compose started, with its data (named and anonymous volumes)', async () => {
    fs.mkdirSync(composeDir(), { recursive: true });
    fs.writeFileSync(join(composeDir(), 'docker-compose.yml'), composeFile);
    await dockerCompose(composeDir(), ['-p', name, 'up', '-d']);
    await waitForOutput(`${name}_db_1`, 'precious');
    anonymous = (await inspected(`${name}_db_1`))?.volumes.find((v) => /^[0-9a-f]{64}$/.test(v)) ?? '';
    await docker.getContainer(`${name}_db_1`).exec({ Cmd: ['sh', '-c', 'echo added-by-compose >> /data/rows; echo cached-by-compose > /cache/c'] }).then((e) => e.start({})).then(
      (s) => new Promise((r) => s.on('end', r).resume()),
    );
    await t.repo.commitFiles(t.branch, { 'compose.yaml': `name: ${name}\n${composeFile}`, 'moor.yaml': `adopt: [${name}]\n` }, 'adopt from moor.yaml');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    assert.equal(await inspected(`${name}_db_1`), null, 'compose container replaced');
    await waitForOutput(`${name}-db`, 'added-by-compose');
    await waitForOutput(`${name}-db`, 'cached-by-compose');
    assert.ok((await inspected(`${name}-db`))?.volumes.includes(anonymous), 'the anonymous volume compose made');
    assert.equal((await t.h.reconciler.sync('drift')).result, 'unchanged');
  });
});
