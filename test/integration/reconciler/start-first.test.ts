// A start-first service keeps answering through an update: a probe container on the same network
// asks it over and over while moor replaces it, and no request may fail.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { removeContainers, testDocker } from '../../bed/docker-env.js';
import { useTestHost } from './harness.js';

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

// A request that resolved the old container's address just as it left the network can fail; a
// client asking again at once (as a reverse proxy does) must then be answered: RETRY, not FAIL.
const PROBE = `ask() { printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 web 8080 | grep -q '^HTTP/1.[01] 200'; }
while true; do
  if ask; then echo OK; elif ask; then echo RETRY; else echo FAIL; fi
  sleep 0.05
done`;

describe('start-first updates', () => {
  // Registered first, so that it runs first: the probe holds the network the host's clean-up removes.
  let probe = '';
  after(() => removeContainers(docker, [probe]));
  const t = useTestHost('startfirst');
  probe = `${t.host}-probe`;

  it('keeps serving while the container is replaced', async () => {
    await t.repo.commitFiles(t.branch, { 'compose.yaml': stack('1') }, 'v1');
    const first = await t.h.reconciler.sync('commit');
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

    await t.repo.commitFiles(t.branch, { 'compose.yaml': stack('2') }, 'v2');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    await new Promise((r) => setTimeout(r, 1500));
    await container.stop({ t: 0 });

    const logs = (await container.logs({ stdout: true, stderr: true })).toString('latin1');
    const ok = (logs.match(/OK/g) ?? []).length;
    const retried = (logs.match(/RETRY/g) ?? []).length;
    const failed = (logs.match(/FAIL/g) ?? []).length;
    assert.ok(ok > 20, `the probe ran (${ok} answers)`);
    assert.equal(failed, 0, `${failed} of ${ok + retried + failed} requests failed, even when asked again, during the update`);
    assert.ok(retried <= 2, `${retried} requests needed asking again: more than a single handover blip`);

    const now = await docker.getContainer('sf-web').inspect();
    assert.notEqual(now.Id, oldId, 'the container was replaced');
    assert.equal(now.Config.Env.find((e) => e.startsWith('V=')), 'V=2');
    const leftovers = await docker.listContainers({ all: true, filters: { name: ['sf-web-moor-next'] } });
    assert.equal(leftovers.length, 0);
  });
});
