// A start-first service keeps answering through an update: a probe container on the same network
// asks it over and over while moor replaces it with a version slow to start, and no request may fail.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { waitFor } from '../../bed/agent-process.js';
import { removeContainers, testDocker } from '../../bed/docker-env.js';
import { useTestHost } from './harness.js';

const docker = testDocker();

// Version 2 takes two seconds before it listens, as a real server takes to start: were it in the
// network's DNS from its start, half the requests of those seconds would be refused.
function stack(version: string, startSeconds: number): string {
  return `name: sf
services:
  web:
    image: local/busybox:1
    command: ["sh", "-c", "sleep ${startSeconds}; mkdir -p /www && echo $$V > /www/index.html && exec httpd -f -p 8080 -h /www"]
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

/** The probe's answers so far: OK, RETRY and FAIL lines. */
async function answers(probe: Dockerode.Container): Promise<{ ok: number; retried: number; failed: number }> {
  const logs = (await probe.logs({ stdout: true, stderr: true })).toString('latin1');
  // Each line comes with the engine's frame header before it: count the words, not whole lines.
  const count = (word: string): number => (logs.match(new RegExp(`\\b${word}\\b`, 'g')) ?? []).length;
  return { ok: count('OK'), retried: count('RETRY'), failed: count('FAIL') };
}

/**
 * Waits (on the probe's own log, never a fixed time) until it has answered `more` times beyond
 * `seen`. A probe that stalls says why: its counts, its last lines, what `web` resolves to from
 * inside it and who is on the network.
 */
async function answered(probe: Dockerode.Container, seen: number, more: number): Promise<void> {
  try {
    await waitFor(`${more} more answers of the probe`, async () => {
      const a = await answers(probe);
      return a.ok + a.retried + a.failed >= seen + more;
    }, { timeoutMs: 120_000 });
  } catch (err) {
    throw new Error(`${String(err)}\n${await stallReport(probe, seen)}`, { cause: err });
  }
}

async function stallReport(probe: Dockerode.Container, seen: number): Promise<string> {
  const lines: string[] = [`answers before the wait: ${seen}, now: ${JSON.stringify(await answers(probe).catch(String))}`];
  const logs = await probe.logs({ stdout: true, stderr: true, tail: 10, timestamps: true }).catch(String);
  lines.push(`probe's last lines:\n${logs.toString().replace(/[\x00-\x08]/g, '')}`);
  lines.push(`nslookup web in the probe: ${inProbe(probe.id, ['nslookup', 'web'])}`);
  lines.push(`a request timed from the probe: ${inProbe(probe.id, ['sh', '-c', `time sh -c "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 web 8080 | head -1"`])}`);
  const net = await docker.getNetwork('sf_front').inspect().catch(String);
  lines.push(`sf_front's containers: ${JSON.stringify(typeof net === 'string' ? net : net.Containers)}`);
  for (const name of ['sf-web', 'sf-web-moor-next']) {
    const state = await docker.getContainer(name).inspect().then((c) => ({ state: c.State, aliases: c.NetworkSettings.Networks })).catch(String);
    lines.push(`${name}: ${JSON.stringify(state)}`);
  }
  return lines.join('\n');
}

function inProbe(id: string, cmd: string[]): string {
  const run = spawnSync('docker', ['exec', id, ...cmd], { encoding: 'utf8', timeout: 30_000 });
  return `exit ${run.status}${run.error ? ` (${run.error.message})` : ''}: ${run.stdout}${run.stderr}`;
}

describe('start-first updates', () => {
  // Registered first, so that it runs first: the probe holds the network the host's clean-up removes.
  let probe = '';
  after(() => removeContainers(docker, [probe]));
  const t = useTestHost('startfirst');

  it('keeps serving while the container is replaced', async () => {
    probe = `${t.host}-probe`;
    await t.repo.commitFiles(t.branch, { 'compose.yaml': stack('1', 0) }, 'v1');
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
    await answered(container, 0, 10);

    await t.repo.commitFiles(t.branch, { 'compose.yaml': stack('2', 2) }, 'v2');
    const out = await t.h.reconciler.sync('commit');
    assert.equal(out.result, 'converged', JSON.stringify(out.error));
    const atEnd = await answers(container);
    await answered(container, atEnd.ok + atEnd.retried + atEnd.failed, 10);
    await container.stop({ t: 0 });

    const { ok, retried, failed } = await answers(container);
    assert.equal(failed, 0, `${failed} of ${ok + retried + failed} requests failed, even when asked again, during the update`);
    assert.ok(retried <= 2, `${retried} requests needed asking again: more than a single handover blip`);

    const now = await docker.getContainer('sf-web').inspect();
    assert.notEqual(now.Id, oldId, 'the container was replaced');
    assert.equal(now.Config.Env.find((e) => e.startsWith('V=')), 'V=2');
    const leftovers = await docker.listContainers({ all: true, filters: { name: ['sf-web-moor-next'] } });
    assert.equal(leftovers.length, 0);
  });
});
