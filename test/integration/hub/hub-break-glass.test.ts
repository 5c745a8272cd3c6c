// Break-glass from the hub: an operator suspends and resumes a real agent process (private engine,
// local git source) through `moor hub`; the agent applies it exactly as `moor suspend` does.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupHost, dockerSocket, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { moor, startAgent, tempDir, waitFor, writeAgentConfig, type AgentProcess } from '../../bed/agent-process.js';
import { hubFixture, type HubFixture } from './hub-process.js';

interface AgentStatus {
  revision: { applied: string | null; head: string | null };
  state: string;
  lastSync: { commit: string | null; result: string } | null;
  suspended: { until: string; reason: string; since: string; by?: string } | null;
}
interface AuditEntry { actor: string; role: string; action: string; target: string; result: string }

const compose = (version: string): string =>
  ['services:', '  web:', '    image: local/busybox:1', '    command: ["sleep", "3600"]', '    network_mode: none',
    '    stop_grace_period: 1s', `    environment: { VERSION: "${version}" }`, ''].join('\n');

describe('operators suspend and resume a host from the hub', () => {
  const host = uniqueHostId('bg');
  const branch = `hosts/${host}`;
  const docker = testDocker();
  let dir: string;
  let config: string;
  let repo: TestRepo;
  let hub: HubFixture;
  let agent: AgentProcess;
  let operator: string;
  let viewer: string;
  let v1: string;

  const agentStatus = async (): Promise<AgentStatus> => {
    const r = await moor(['--json', 'status', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as AgentStatus;
  };
  const post = (path: string, token: string, body?: unknown): Promise<Response> =>
    hub.fetch(path, body === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, token);

  before(async () => {
    dir = tempDir('moor-breakglass-');
    repo = await createTestRepo({ bare: true });
    v1 = await repo.commitFiles(branch, { 'compose.yaml': compose('1') }, 'v1');
    hub = await hubFixture();
    await hub.start();
    operator = hub.addUser('op', 'operator');
    viewer = hub.addUser('watcher', 'viewer');
    writeFileSync(join(dir, 'hub.token'), hub.addToken(host) + '\n', { mode: 0o600 });
    config = writeAgentConfig(dir, `host: ${host}
source: { url: ${repo.dir}, branch: ${branch}, interval: 1s }
docker: { socket: ${dockerSocket()} }
systemd: { enabled: false }
stateDir: ${join(dir, 'state')}
hub: { url: "ws://127.0.0.1:${hub.port}/agent", tokenFile: ${join(dir, 'hub.token')}, heartbeat: 1s }
`);
    agent = startAgent(config, { logFile: join(dir, 'logs', 'agent.log') });
    await waitFor('v1 applied', async () => (await agentStatus()).revision.applied === v1, { timeoutMs: 120_000 });
    await waitFor('the host online on the hub', async () => ((await (await hub.fetch(`/api/hosts/${host}`)).json()) as { online: boolean }).online);
  });

  after(async () => {
    await agent?.stop();
    await hub?.kill();
    await cleanupHost(docker, host);
    await repo?.remove();
  });

  it('refuses a viewer with 403 and sends nothing', async () => {
    const res = await post(`/api/hosts/${host}/suspend`, viewer, { for: '1h', reason: 'nope' });
    assert.equal(res.status, 403);
    assert.equal((await post(`/api/hosts/${host}/resume`, viewer)).status, 403);
    assert.equal((await agentStatus()).suspended, null);
  });

  it('refuses a body that is not a bounded {for, reason}', async () => {
    assert.equal((await post(`/api/hosts/${host}/suspend`, operator, { for: 'forever', reason: 'x' })).status, 400);
    assert.equal((await post(`/api/hosts/${host}/suspend`, operator, { for: '2h' })).status, 400);
    assert.equal((await post(`/api/hosts/${host}/suspend`, operator, { for: '2h', reason: 'x', command: 'rm -rf /' })).status, 400);
    assert.equal((await post(`/api/hosts/${host}/suspend`, operator, { for: '2h', reason: 'x'.repeat(5000) })).status, 413);
    const text = await hub.fetch(`/api/hosts/${host}/suspend`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'reason=x' }, operator);
    assert.ok([400, 415].includes(text.status), `text/plain answered ${text.status}`);
    assert.equal((await agentStatus()).suspended, null);
  });

  it('suspends the agent with the reason and who asked, and a pushed commit is not applied', async () => {
    const res = await post(`/api/hosts/${host}/suspend`, operator, { for: '1h', reason: 'disk swap' });
    assert.equal(res.status, 202, await res.clone().text());
    const status = await waitFor('the agent suspended', async () => {
      const s = await agentStatus();
      return s.suspended ? s : null;
    });
    assert.equal(status.suspended?.reason, 'disk swap');
    assert.equal(status.suspended?.by, 'hub:op');
    const hours = (Date.parse(status.suspended?.until ?? '') - Date.parse(status.suspended?.since ?? '')) / 3_600_000;
    assert.equal(hours, 1);
    await waitFor('the hub sees the suspension', async () => {
      const h = (await (await hub.fetch(`/api/hosts/${host}`)).json()) as { suspended: { by?: string } | null };
      return h.suspended?.by === 'hub:op';
    });
    const v2 = await repo.commitFiles(branch, { 'compose.yaml': compose('2') }, 'v2');
    const seen = await waitFor('a sync of v2 held back', async () => {
      const s = await agentStatus();
      return s.revision.head === v2 && s.lastSync?.commit === v2 && s.lastSync.result === 'suspended' ? s : null;
    });
    assert.equal(seen.revision.applied, v1);
    assert.equal(seen.state, 'suspended');
  });

  it('resumes from the hub, and the waiting commit is applied', async () => {
    const res = await post(`/api/hosts/${host}/resume`, operator);
    assert.equal(res.status, 202);
    const head = (await repo.git(['rev-parse', branch])).trim();
    const status = await waitFor('v2 applied', async () => {
      const s = await agentStatus();
      return s.revision.applied === head ? s : null;
    }, { timeoutMs: 60_000 });
    assert.equal(status.suspended, null);
    const events = (await (await hub.fetch(`/api/hosts/${host}/events?limit=200`)).json()) as { events: { type: string; event: { by?: string } }[] };
    assert.ok(events.events.some((e) => e.type === 'agent.suspended' && e.event.by === 'hub:op'));
    assert.ok(events.events.some((e) => e.type === 'agent.resumed' && e.event.by === 'hub:op'));
  });

  it('puts both requests in the audit log, with who and what', async () => {
    const audit = (await (await hub.fetch('/api/audit?limit=200')).json()) as { entries: AuditEntry[] };
    const mine = audit.entries.filter((e) => e.target === host);
    assert.ok(mine.some((e) => e.actor === 'op' && e.action === 'host.suspend' && /^sent \(1h: disk swap\)$/.test(e.result)), JSON.stringify(mine));
    assert.ok(mine.some((e) => e.actor === 'op' && e.action === 'host.resume' && e.result === 'sent'));
  });

  it('answers 409 for a host that is not connected, queueing nothing', async () => {
    hub.addToken(`${host}-off`);
    const res = await post(`/api/hosts/${host}-off/suspend`, operator, { reason: 'maintenance' });
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, /not connected.*not queued/);
    assert.equal((await post(`/api/hosts/${host}-off/resume`, operator)).status, 409);
  });
});
