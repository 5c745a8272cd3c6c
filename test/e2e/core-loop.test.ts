// End to end: a real agent process, a real git http-backend server with basic auth, and the
// private Docker engine. Each case builds on the state the previous one left.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { cleanupHost, createForeignContainer, dockerSocket, removeContainers, testDocker, uniqueHostId } from '../bed/docker-env.js';
import { createTestRepo, type TestRepo } from '../bed/git-repo.js';
import { startGitServer, type GitServer } from '../bed/git-server.js';
import { moor, startAgent, tempDir, waitFor, writeAgentConfig, type AgentProcess } from '../bed/agent-process.js';

const SERVICE = (name: string, extra = ''): string => `
  ${name}:
    image: local/busybox:1
    command: ["sleep", "3600"]
    network_mode: none
    stop_grace_period: 1s
${extra}`;

function compose(services: string): string {
  return `name: e2e\nservices:${services}`;
}

interface Status {
  revision: { applied: string | null };
  lastSync: { result: string; error: { message: string } | null } | null;
  resources: { name: string; health: string }[];
}

describe('the core loop, end to end', () => {
  const host = uniqueHostId('e2e');
  const branch = `hosts/${host}`;
  let repo: TestRepo;
  let server: GitServer;
  let docker: Dockerode;
  let dir: string;
  let config: string;
  let agent: AgentProcess;
  const foreign = `${host}-foreign`;

  const status = async (): Promise<Status> => {
    const r = await moor(['--config', config, '--json', 'status']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Status;
  };
  const containers = async (): Promise<Map<string, { id: string; state: string }>> => {
    const list = await docker.listContainers({ all: true, filters: { label: [`moor.host=${host}`, 'moor.managed=true'] } });
    return new Map(list.map((c) => [(c.Names[0] ?? '').slice(1), { id: c.Id, state: c.State }]));
  };
  /** `moor sync`; the agent's own 2 s poll may have applied the commit first ('unchanged'). */
  const syncTo = async (head: string): Promise<void> => {
    const { code, outcome } = await syncNow();
    assert.equal(code, 0, JSON.stringify(outcome));
    assert.ok(['converged', 'unchanged'].includes(outcome.result), outcome.result);
    assert.equal((await status()).revision.applied, head);
  };
  const syncNow = async (): Promise<{ code: number | null; outcome: { result: string; changes: { name: string; action: string }[] } }> => {
    const r = await moor(['--config', config, '--json', 'sync']);
    return { code: r.code, outcome: JSON.parse(r.stdout) as { result: string; changes: { name: string; action: string }[] } };
  };

  before(async () => {
    docker = testDocker();
    dir = tempDir('moor-e2e-');
    repo = await createTestRepo({ bare: true });
    server = await startGitServer({ projectRoot: repo.root, logFile: join(dir, 'git-http.log'), auth: { username: 'fleet', password: 'hunter2' } });
    writeFileSync(join(dir, 'git-token'), 'hunter2\n', { mode: 0o600 });
    config = writeAgentConfig(
      dir,
      `host: ${host}
source:
  url: ${server.url}/${repo.name}
  interval: 2s
  auth: { username: fleet, passwordFile: ${join(dir, 'git-token')} }
docker: { socket: ${dockerSocket()} }
stateDir: ${join(dir, 'state')}
`,
    );
    await createForeignContainer(docker, foreign, { start: true, labels: { 'moor.host': host } });
    await repo.commitFiles(branch, { 'compose.yaml': compose(SERVICE('web', '    environment: { LOG_LEVEL: info }') + SERVICE('api') + SERVICE('db')) }, 'three services');
    agent = startAgent(config, { logFile: join(dir, 'agent.log') });
  });

  after(async () => {
    await agent?.stop();
    await cleanupHost(docker, host);
    await removeContainers(docker, [foreign]);
    await server?.stop();
    await repo?.remove();
  });

  it('converges on the commit pushed to the host branch', async () => {
    const head = (await repo.git(['rev-parse', branch])).trim();
    await waitFor('the agent to apply the first commit', async () => (await status()).revision.applied === head, { timeoutMs: 60_000 });
    const running = await containers();
    assert.deepEqual([...running.keys()].sort(), ['e2e-api', 'e2e-db', 'e2e-web']);
    for (const c of running.values()) assert.equal(c.state, 'running');
    const labels = (await docker.getContainer('e2e-web').inspect()).Config.Labels;
    assert.equal(labels['moor.managed'], 'true');
    assert.equal(labels['moor.revision'], head);
    assert.match(labels['moor.hash'] ?? '', /^[0-9a-f]{64}$/);
  });

  it('replaces exactly the container whose env changed', async () => {
    const beforeIds = await containers();
    const head = await repo.commitFiles(branch, { 'compose.yaml': compose(SERVICE('web', '    environment: { LOG_LEVEL: debug }') + SERVICE('api') + SERVICE('db')) }, 'debug logging');
    await syncTo(head);
    const history = JSON.parse((await moor(['--config', config, '--json', 'history'])).stdout) as { applies: { commit: string; changes: { action: string; name: string }[] }[] };
    const apply = history.applies.find((a) => a.commit === head);
    assert.deepEqual(apply?.changes.map((c) => `${c.action} ${c.name}`), ['replace e2e-web']);
    const afterIds = await containers();
    assert.notEqual(afterIds.get('e2e-web')?.id, beforeIds.get('e2e-web')?.id);
    assert.equal(afterIds.get('e2e-api')?.id, beforeIds.get('e2e-api')?.id);
    assert.equal(afterIds.get('e2e-db')?.id, beforeIds.get('e2e-db')?.id);
  });

  it('prunes a service deleted from the compose file', async () => {
    const head = await repo.commitFiles(branch, { 'compose.yaml': compose(SERVICE('web', '    environment: { LOG_LEVEL: debug }') + SERVICE('api')) }, 'drop db');
    await syncTo(head);
    assert.deepEqual([...(await containers()).keys()].sort(), ['e2e-api', 'e2e-web']);
  });

  it('applies nothing of a broken commit and says why', async () => {
    const good = (await status()).revision.applied;
    const beforeIds = await containers();
    await repo.commitFiles(
      branch,
      { 'compose.yaml': compose(SERVICE('web', '    environment: { LOG_LEVEL: trace }') + SERVICE('api', '    frobnicate: true')) },
      'broken: unknown key',
    );
    const { code, outcome } = await syncNow();
    assert.equal(code, 1);
    assert.equal(outcome.result, 'invalid');
    const s = await status();
    assert.equal(s.revision.applied, good, 'the last good commit stays applied');
    assert.match(s.lastSync?.error?.message ?? '', /compose\.yaml:\d+: .*frobnicate/);
    const afterIds = await containers();
    assert.deepEqual([...afterIds.entries()], [...beforeIds.entries()], 'no container was touched');
    // Not retried until the branch moves: the next sync reports the same verdict, still touching nothing.
    assert.equal((await syncNow()).outcome.result, 'invalid');
    assert.deepEqual([...(await containers()).entries()], [...beforeIds.entries()]);
  });

  it('puts back a container removed by hand within one poll', async () => {
    const head = await repo.commitFiles(branch, { 'compose.yaml': compose(SERVICE('web', '    environment: { LOG_LEVEL: debug }') + SERVICE('api')) }, 'fix');
    await syncTo(head);
    await docker.getContainer('e2e-api').remove({ force: true });
    await waitFor('e2e-api to come back', async () => (await containers()).get('e2e-api')?.state === 'running', { timeoutMs: 15_000 });
  });

  it('never touches a container without moor.managed, even one that names this host', async () => {
    const info = await docker.getContainer(foreign).inspect();
    assert.equal(info.State.Running, true);
    const history = await moor(['--config', config, '--json', 'history']);
    assert.doesNotMatch(history.stdout, new RegExp(foreign));
  });

  it('stops cleanly on SIGTERM', async () => {
    assert.equal(await agent.stop(), 0);
  });
});
