// End to end: one commit on the fleet branch reaches three real agents. `moor fleet publish`
// renders it onto three host branches (SSH-signed), served by git http-backend and sshd; each
// agent follows its own branch with verify.mode: head and applies it on the private engine.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { cleanupHost, dockerSocket, testDocker, uniqueHostId } from '../bed/docker-env.js';
import { MAIN, moor, startAgent, tempDir, waitFor, writeAgentConfig, type AgentProcess } from '../bed/agent-process.js';
import { createTestRepo, type TestRepo } from '../bed/git-repo.js';
import { startGitServer, type GitServer } from '../bed/git-server.js';
import { createSshSigningKey, type SshSigningKey } from '../bed/git-signing.js';
import { startSshd, type Sshd } from '../bed/sshd.js';
import { createFleetCheckout, sampleFleet, type FleetCheckout } from '../integration/fleet/fleet-repo.js';

/** Agent logs stay after the run, next to the test bed's other logs. */
const LOGS = resolve(dirname(MAIN), '../../.test-bed/logs');

interface Status {
  revision: { applied: string | null };
  labels?: Record<string, string>;
}

describe('the fleet layer, end to end: one commit on main reaches three agents', () => {
  const hosts = { cam1: uniqueHostId('fleet-cam'), cam2: uniqueHostId('fleet-cam'), gw: uniqueHostId('fleet-gw') };
  let dir: string;
  let repo: TestRepo;
  let server: GitServer;
  let sshd: Sshd;
  let fleet: FleetCheckout;
  let key: SshSigningKey;
  let docker: Dockerode;
  let publishArgs: string[];
  const agents = new Map<string, { config: string; process: AgentProcess }>();

  const branchTip = async (host: string): Promise<string> => (await repo.git(['rev-parse', `refs/heads/hosts/${host}`])).trim();
  const status = async (host: string): Promise<Status | null> => {
    const r = await moor(['--config', agents.get(host)?.config ?? '', '--json', 'status']);
    return r.code === 0 ? (JSON.parse(r.stdout) as Status) : null;
  };
  const applied = async (host: string): Promise<string | null> => (await status(host))?.revision.applied ?? null;
  const envOf = async (host: string, service: string): Promise<string[]> => {
    const list = await docker.listContainers({ filters: { label: [`moor.host=${host}`, `moor.service=${service}`] } });
    const id = list[0]?.Id;
    return id ? ((await docker.getContainer(id).inspect()).Config.Env ?? []) : [];
  };
  const hostFile = (labels: string, host: string): string => `labels: ${labels}\nvalues: { PROJECT: ${host} }\n`;

  before(async () => {
    docker = testDocker();
    dir = tempDir('moor-fleet-e2e-');
    repo = await createTestRepo({ bare: true });
    server = await startGitServer({ projectRoot: repo.root, logFile: join(dir, 'git-http.log'), auth: { username: 'fleet', password: 'hunter2' } });
    sshd = await startSshd();
    key = createSshSigningKey(dir, 'fleet-release@example.com');
    fs.writeFileSync(join(dir, 'token'), 'hunter2\n', { mode: 0o600 });
    fs.writeFileSync(join(dir, 'trusted-keys'), `${key.publicKeyLine}\n`);
    publishArgs = ['--remote', `${server.url}/${repo.name}`, '--username', 'fleet', '--password-file', join(dir, 'token'), '--sign-key', key.keyFile];
    fleet = await createFleetCheckout(join(dir, 'fleet'), repo.dir);
    fleet.write(
      sampleFleet({
        [hosts.cam1]: hostFile('{ role: camera, site: berlin }', hosts.cam1),
        [hosts.cam2]: hostFile('{ role: camera, site: paris }', hosts.cam2),
        [hosts.gw]: hostFile('{ role: gateway, site: berlin }', hosts.gw),
      }),
    );
    await fleet.commit('fleet: three hosts');
    const pub = await moor(['fleet', 'publish', '--repo', fleet.dir, ...publishArgs]);
    assert.equal(pub.code, 0, pub.stderr + pub.stdout);

    for (const [i, host] of [hosts.cam1, hosts.cam2, hosts.gw].entries()) {
      const agentDir = join(dir, host);
      fs.mkdirSync(agentDir);
      // Two agents fetch over https with a token, the third over ssh with a deploy key.
      const source =
        i < 2
          ? `  url: ${server.url}/${repo.name}\n  auth: { username: fleet, passwordFile: ${join(dir, 'token')} }\n`
          : `  url: ${sshd.baseUrl}${repo.dir}\n  auth: { sshKeyFile: ${sshd.keyFile}, knownHostsFile: ${sshd.knownHostsFile} }\n`;
      const config = writeAgentConfig(
        agentDir,
        `host: ${host}\nsource:\n${source}  interval: 2s\n  verify: { mode: head, keysFile: ${join(dir, 'trusted-keys')} }\ndocker: { socket: ${dockerSocket()} }\nstateDir: ${join(agentDir, 'state')}\n`,
      );
      agents.set(host, { config, process: startAgent(config, { logFile: join(LOGS, `fleet-e2e-${host}.log`) }) });
    }
  });

  after(async () => {
    for (const a of agents.values()) await a.process.stop();
    for (const host of Object.values(hosts)) await cleanupHost(docker, host);
    await server?.stop();
    await sshd?.stop();
    await repo?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('each agent applies the signed commit published on its branch, with its groups\' stacks', async () => {
    for (const host of Object.values(hosts)) {
      const tip = await branchTip(host);
      await waitFor(`${host} to apply ${tip}`, async () => (await applied(host)) === tip, { timeoutMs: 120_000 });
    }
    assert.ok((await envOf(hosts.cam1, 'frigate')).includes('MODE=detect'));
    assert.ok((await envOf(hosts.cam2, 'frigate')).includes('MODE=detect'));
    assert.deepEqual(await envOf(hosts.gw, 'frigate'), []);
    assert.ok((await envOf(hosts.gw, 'telegraf')).includes('INFLUX_URL=http://influx:8086'));
    // The labels of the rendered tree are what the agent reports upstream.
    await waitFor('cam1 to report its labels', async () => (await status(hosts.cam1))?.labels?.site === 'berlin', { timeoutMs: 60_000 });
    assert.deepEqual((await status(hosts.gw))?.labels, { role: 'gateway', site: 'berlin' });
  });

  it('one commit on main reaches all three hosts after moor fleet publish', async () => {
    fleet.write({ 'stacks/monitoring/.env': 'INFLUX_URL=http://influx-new:8086\n' });
    const fleetCommit = await fleet.commit('monitoring: new influx');
    const plan = await moor(['fleet', 'plan', '--repo', fleet.dir, ...publishArgs.slice(0, 6)]);
    assert.equal(plan.code, 3, plan.stderr);
    assert.match(plan.stdout, /3 hosts: telegraf env INFLUX_URL changed/);
    const pub = await moor(['fleet', 'publish', '--repo', fleet.dir, ...publishArgs]);
    assert.equal(pub.code, 0, pub.stderr + pub.stdout);
    for (const host of Object.values(hosts)) {
      const tip = await branchTip(host);
      assert.match(await repo.git(['log', '-1', '--format=%B', tip]), new RegExp(`Moor-Fleet-Commit: ${fleetCommit}`));
      await waitFor(`${host} to apply ${tip}`, async () => (await applied(host)) === tip, { timeoutMs: 120_000 });
      assert.ok((await envOf(host, 'telegraf')).includes('INFLUX_URL=http://influx-new:8086'), host);
    }
  });
});
