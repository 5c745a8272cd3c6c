// Rollouts end to end: the real hub process with write access to a real git http-backend, six
// real agent processes on the private engine (three per site), `moor fleet publish` and
// `moor fleet rollout` as an operator runs them. Each case builds on the state the last one left.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupHost, dockerSocket, testDocker } from '../../bed/docker-env.js';
import { createTestRepo, runGit, type TestRepo } from '../../bed/git-repo.js';
import { startGitServer, type GitServer } from '../../bed/git-server.js';
import { moor, startAgent, tempDir, waitFor, writeAgentConfig, type AgentProcess } from '../../bed/agent-process.js';
import { hubFixture, type HubFixture } from '../hub/hub-process.js';

const SITE = (i: number): string => (i < 3 ? 'berlin' : 'paris');
const HEALTHY = ['    healthcheck:', '      test: ["CMD", "true"]', '      interval: 1s', '      retries: 1'];
const SICK = ['    healthcheck:', '      test: ["CMD", "false"]', '      interval: 1s', '      retries: 1'];

interface HostView { host: string; phase: string; wave: number; commit: string | null; previous: string | null; revertCommit: string | null; reason: string; evidence: unknown }
interface RolloutView { id: number; status: string; wave: number; waves: number; hosts: HostView[]; haltReason: string | null; timeline: { text: string }[] }

describe('progressive rollouts run by the hub', () => {
  const run = Math.random().toString(36).slice(2, 7);
  const hosts = Array.from({ length: 6 }, (_, i) => `ro${run}-${i + 1}`);
  let dir: string;
  let repo: TestRepo;
  let server: GitServer;
  let hub: HubFixture;
  let remote: string;
  let checkout: string;
  let opToken: string;
  const agents: AgentProcess[] = [];
  const docker = testDocker();

  const stackFiles = (version: string, health: string[], healthTimeout = '30s'): Record<string, string> => {
    const files: Record<string, string> = {
      'fleet.yaml': 'hostBranch: hosts/{host}\nrollout: { waves: [1, "50%", "100%"], maxFailures: 0, waveTimeout: 90s, pause: 0s }\n',
    };
    hosts.forEach((h, i) => {
      files[`hosts/${h}.yaml`] = `labels: { site: ${SITE(i)} }\nstacks: [app-${h}]\n`;
      files[`stacks/app-${h}/compose.yaml`] = [`name: ${h}`, 'services:', '  web:', '    image: local/busybox:1', '    command: ["sleep", "3600"]', '    network_mode: none', '    stop_grace_period: 1s', `    environment: { VERSION: "${version}" }`, ...health, ''].join('\n');
      files[`stacks/app-${h}/moor.yaml`] = `rollout: { healthTimeout: ${healthTimeout} }\n`;
    });
    return files;
  };
  const tipOf = async (branch: string): Promise<string> => (await repo.git(['rev-parse', branch])).trim();
  const tips = async (): Promise<string[]> => Promise.all(hosts.map((h) => tipOf(`hosts/${h}`)));
  const applied = async (host: string): Promise<string | null> => {
    const res = await hub.fetch(`/api/hosts/${host}`);
    const v = (await res.json()) as { status: { revision: { applied: string | null } } | null };
    return v.status?.revision.applied ?? null;
  };
  const rollout = async (id: number): Promise<RolloutView> => (await (await hub.fetch(`/api/rollouts/${id}`)).json()) as RolloutView;
  const cli = async (...args: string[]): Promise<{ code: number | null; out: unknown; stderr: string }> => {
    const r = await moor(['--json', 'fleet', 'rollout', ...args, '--hub', hub.url, '--token-file', join(dir, 'op-token')]);
    let out: unknown = null;
    try { out = JSON.parse(r.stdout); } catch { out = r.stdout; }
    return { code: r.code, out, stderr: r.stderr };
  };
  const commitFleet = async (files: Record<string, string>, message: string): Promise<string> => repo.commitFiles('main', files, message);
  const startRollout = async (commit: string, ...extra: string[]): Promise<number> => {
    const r = await cli('start', '--commit', commit, ...extra);
    assert.equal(r.code, 0, `${r.stderr} ${JSON.stringify(r.out)}`);
    return (r.out as { id: number }).id;
  };
  /** Polls the rollout until `until` holds, checking on every look that no wave started before the one before it was healthy. */
  const watch = async (id: number, until: (r: RolloutView) => boolean, timeoutMs = 240_000): Promise<RolloutView> => {
    return waitFor(`rollout ${id}`, async () => {
      const r = await rollout(id);
      for (const h of r.hosts) {
        if (h.phase === 'pending' || h.phase === 'skipped' || h.wave === 0) continue;
        const earlier = r.hosts.filter((x) => x.wave === h.wave - 1);
        const open = earlier.filter((x) => x.phase === 'pending' || x.phase === 'publishing' || x.phase === 'waiting');
        assert.deepEqual(open.map((x) => x.host), [], `${h.host} (wave ${h.wave + 1}) is ${h.phase} while wave ${h.wave} is not finished`);
      }
      return until(r) ? r : null;
    }, { timeoutMs, intervalMs: 150 });
  };

  before(async () => {
    dir = tempDir('moor-rollout-');
    repo = await createTestRepo({ bare: true });
    server = await startGitServer({ projectRoot: repo.root, logFile: join(dir, 'git-http.log'), auth: { username: 'fleet', password: 'hunter2' } });
    remote = `${server.url}/${repo.name}`;
    writeFileSync(join(dir, 'git-token'), 'hunter2\n', { mode: 0o600 });
    hub = await hubFixture(`fleet:\n  repo: ${remote}\n  auth: { username: fleet, passwordFile: ${join(dir, 'git-token')} }\n`);
    opToken = hub.addUser('op', 'operator');
    writeFileSync(join(dir, 'op-token'), opToken + '\n', { mode: 0o600 });
    await hub.start();
    await commitFleet(stackFiles('1', HEALTHY), 'v1');
    checkout = join(dir, 'checkout');
    await runGit(['clone', '-q', '--branch', 'main', repo.dir, checkout]);
    const pub = await moor(['fleet', 'publish', '--repo', checkout, '--remote', remote, '--username', 'fleet', '--password-file', join(dir, 'git-token')]);
    assert.equal(pub.code, 0, pub.stderr + pub.stdout);
    for (const h of hosts) {
      const token = hub.addToken(h);
      writeFileSync(join(dir, `${h}.token`), token + '\n', { mode: 0o600 });
      const config = writeAgentConfig(tempDir(`moor-ro-${h}-`), `host: ${h}
source:
  url: ${remote}
  interval: 3s
  auth: { username: fleet, passwordFile: ${join(dir, 'git-token')} }
docker: { socket: ${dockerSocket()} }
stateDir: ${join(dir, 'state', h)}
hub: { url: "ws://127.0.0.1:${hub.port}/agent", tokenFile: ${join(dir, `${h}.token`)}, heartbeat: 1s }
`);
      agents.push(startAgent(config, { logFile: join(dir, 'logs', `${h}.log`) }));
    }
    const v1 = await tips();
    for (const [i, h] of hosts.entries()) await waitFor(`${h} to apply v1`, async () => (await applied(h)) === v1[i], { timeoutMs: 120_000 });
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await hub?.kill();
    for (const h of hosts) await cleanupHost(docker, h);
    await server?.stop();
    await repo?.remove();
  });

  it('completes in waves, never publishing a wave before the previous one is healthy', async () => {
    const v2 = await commitFleet(stackFiles('2', HEALTHY), 'v2');
    const id = await startRollout(v2);
    const r = await watch(id, (x) => x.status !== 'running');
    assert.equal(r.status, 'completed', JSON.stringify(r.timeline));
    assert.equal(r.waves, 3);
    assert.deepEqual(r.hosts.map((h) => h.wave), [0, 1, 1, 2, 2, 2]);
    assert.ok(r.hosts.every((h) => h.phase === 'done'));
    const now = await tips();
    for (const [i, h] of hosts.entries()) {
      assert.equal(r.hosts[i]?.commit, now[i]);
      assert.equal(await applied(h), now[i]);
    }
  });

  it('halts when the canary fails its health gate, with the agent\'s evidence, the rest untouched', async () => {
    const untouched = await tips();
    const v3 = await commitFleet(stackFiles('3', SICK, '4s'), 'v3: a healthcheck that never passes');
    const id = await startRollout(v3);
    const r = await watch(id, (x) => x.status !== 'running');
    assert.equal(r.status, 'halted');
    const canary = r.hosts[0];
    assert.equal(canary?.phase, 'failed');
    assert.match(canary?.reason ?? '', /^(rolled-back|failed)/);
    assert.match(JSON.stringify(canary?.evidence), /UNHEALTHY|unhealthy/);
    assert.match(r.haltReason ?? '', /1 host\(s\) failed in wave 1/);
    assert.ok(r.hosts.slice(1).every((h) => h.phase === 'pending'));
    const now = await tips();
    assert.notEqual(now[0], untouched[0]);
    assert.deepEqual(now.slice(1), untouched.slice(1), 'no other host branch moved');
    const audit = (await (await hub.fetch('/api/audit')).json()) as { entries?: { action: string }[] } | { action: string }[];
    assert.match(JSON.stringify(audit), /rollout\.start/);
  });

  it('abort --revert puts the canary back on its previous tree with a forward commit and waits until it converged', async () => {
    const list = (await (await hub.fetch('/api/rollouts')).json()) as { rollouts: { id: number; status: string }[] };
    const halted = list.rollouts.find((x) => x.status === 'halted');
    assert.ok(halted);
    const before = await rollout(halted.id);
    const canary = before.hosts[0];
    assert.ok(canary?.previous && canary.commit);
    const r = await cli('abort', String(halted.id), '--revert', '--wait');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.out as { status: string }).status, 'reverted');
    const after = await rollout(halted.id);
    const back = after.hosts[0];
    assert.equal(back?.phase, 'reverted');
    const tip = await tipOf(`hosts/${hosts[0] ?? ''}`);
    assert.equal(back?.revertCommit, tip);
    assert.equal((await repo.git(['rev-parse', `${tip}^`])).trim(), canary.commit, 'a forward commit on top of the failed one');
    assert.equal((await repo.git(['rev-parse', `${tip}^{tree}`])).trim(), (await repo.git(['rev-parse', `${canary.previous}^{tree}`])).trim());
    assert.equal(await applied(hosts[0] ?? ''), tip);
  });

  it('pause holds the next wave, resume goes on, and a host branch changed by hand is skipped', async () => {
    const last = hosts[5] ?? '';
    const handTip = await repo.commitFiles(`hosts/${last}`, { 'NOTES.md': 'changed by a person\n' }, 'hand edit');
    const v4 = await commitFleet(stackFiles('4', HEALTHY), 'v4');
    const id = await startRollout(v4, '--waves', '1,100%');
    const paused = await cli('pause', String(id));
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal((paused.out as { status: string }).status, 'paused');
    const r1 = await watch(id, (x) => x.hosts[0]?.phase === 'done');
    assert.ok(r1.hosts.slice(1).every((h) => h.phase === 'pending'), 'nothing published while paused');
    const held = await tips();
    await new Promise((res) => setTimeout(res, 3000));
    assert.deepEqual(await tips(), held, 'still nothing published 3 s after the canary was healthy');
    assert.equal((await rollout(id)).status, 'paused');
    const resumed = await cli('resume', String(id));
    assert.equal(resumed.code, 0, resumed.stderr);
    const r = await watch(id, (x) => x.status !== 'running');
    assert.equal(r.status, 'completed', JSON.stringify(r.timeline));
    const skipped = r.hosts.find((h) => h.host === last);
    assert.equal(skipped?.phase, 'skipped');
    assert.match(skipped?.reason ?? '', /hand-edited/);
    assert.equal(await tipOf(`hosts/${last}`), handTip, 'the hand-edited branch was left alone');
    assert.ok(r.hosts.filter((h) => h.host !== last).every((h) => h.phase === 'done'));
    assert.match(JSON.stringify(r.timeline), /paused by op.*resumed by op/s);
  });

  it('keeps at most one host per site updating at once, and resumes after the hub is killed mid-wave', async () => {
    const v5 = await commitFleet(stackFiles('5', HEALTHY), 'v5');
    const id = await startRollout(v5, '--waves', '100%', '--max-unavailable', 'site=1', '--hosts', `site in (berlin,paris)`);
    let maxBusy = 0;
    const budget = (x: RolloutView): void => {
      for (const site of ['berlin', 'paris']) {
        const busy = x.hosts.filter((h, i) => SITE(hosts.indexOf(h.host) >= 0 ? hosts.indexOf(h.host) : i) === site && (h.phase === 'publishing' || h.phase === 'waiting' || h.phase === 'failed')).length;
        maxBusy = Math.max(maxBusy, busy);
        assert.ok(busy <= 1, `${busy} ${site} hosts unavailable at once`);
      }
    };
    await watch(id, (x) => (budget(x), x.hosts.some((h) => h.phase === 'waiting')));
    await hub.kill('SIGKILL');
    // The fixture waits 10 s for /healthz; with six agents on two busy cores a start can take longer.
    await hub.start().catch(async (err: unknown) => {
      if (!/did not start/.test(String(err))) throw err;
      await waitFor('the restarted hub', async () => (await fetch(`${hub.url}/healthz`).catch(() => null))?.ok, { timeoutMs: 60_000 });
    });
    const r = await watch(id, (x) => (budget(x), x.status !== 'running'));
    assert.equal(r.status, 'completed', JSON.stringify(r.timeline));
    assert.equal(maxBusy, 1);
    const now = await tips();
    for (const [i, h] of hosts.entries()) {
      if (h === hosts[5]) continue;
      assert.equal(r.hosts.find((x) => x.host === h)?.phase, 'done');
      assert.equal(await applied(h), now[i]);
    }
    assert.match(hub.log(), /resuming rollout/);
  });
});
