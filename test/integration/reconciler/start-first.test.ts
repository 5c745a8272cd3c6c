// A start-first service keeps answering through an update: a probe container on the same network
// asks it over and over while moor replaces it, and no request may fail.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupHost, removeContainers, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { tempDir } from '../../bed/agent-process.js';
import { createHarness, type Harness } from './harness.js';

const docker = testDocker();

function stack(version: string): string {
  return `name: sf
services:
  web:
    image: local/busybox:1
    command: ["sh", "-c", "mkdir -p /www && echo $$V > /www/index.html && exec httpd -f -p 8080 -h /www"]
    networks: [front]
    environment: { V: "${version}" }
    stop_grace_period: 1s
    healthcheck: { test: ["CMD-SHELL", "nc -w 1 127.0.0.1 8080 </dev/null"], interval: 1s, retries: 2 }
    x-moor: { update: start-first }
networks:
  front: {}
`;
}

const PROBE = `while true; do
  if printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 web 8080 | grep -q '^HTTP/1.[01] 200'; then echo OK; else echo FAIL; fi
  sleep 0.05
done`;

describe('start-first updates', () => {
  const host = uniqueHostId('startfirst');
  const branch = `hosts/${host}`;
  const probe = `${host}-probe`;
  let repo: TestRepo;
  let h: Harness;
  let dir: string;

  before(async () => {
    repo = await createTestRepo({ bare: true });
    dir = tempDir('moor-sf-');
    h = createHarness({ host, repo, branch, stateDir: join(dir, 'state') });
  });
  after(async () => {
    h.close();
    await removeContainers(docker, [probe]);
    await cleanupHost(docker, host);
    await repo.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps serving while the container is replaced', async () => {
    await repo.commitFiles(branch, { 'compose.yaml': stack('1') }, 'v1');
    const first = await h.reconciler.sync('commit');
    assert.equal(first.result, 'converged', JSON.stringify(first.error));
    const oldId = (await docker.getContainer('sf-web').inspect()).Id;

    const container = await docker.createContainer({
      name: probe,
      Image: 'local/busybox:1',
      Cmd: ['sh', '-c', PROBE],
      HostConfig: { NetworkMode: 'sf_front' },
    });
    await container.start();
    await new Promise((r) => setTimeout(r, 1500));

    await repo.commitFiles(branch, { 'compose.yaml': stack('2') }, 'v2');
    const out = await h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    await new Promise((r) => setTimeout(r, 1500));
    await container.stop({ t: 0 });

    const logs = (await container.logs({ stdout: true, stderr: true })).toString('latin1');
    const ok = (logs.match(/OK/g) ?? []).length;
    const failed = (logs.match(/FAIL/g) ?? []).length;
    assert.ok(ok > 20, `the probe ran (${ok} answers)`);
    assert.equal(failed, 0, `${failed} of ${ok + failed} requests failed during the update`);

    const now = await docker.getContainer('sf-web').inspect();
    assert.notEqual(now.Id, oldId, 'the container was replaced');
    assert.equal(now.Config.Env.find((e) => e.startsWith('V=')), 'V=2');
    const leftovers = await docker.listContainers({ all: true, filters: { name: ['sf-web-moor-next'] } });
    assert.equal(leftovers.length, 0);
  });
});
