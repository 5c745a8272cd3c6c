// The package on a fresh host: the systemd container of the test bed (no Node), the .deb
// installed with dpkg, the agent run by systemd against the test git server and engine.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { tempDir, waitFor } from '../../bed/agent-process.js';
import { cleanupHost, dockerSocket, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { createTestRepo, type TestRepo } from '../../bed/git-repo.js';
import { startGitServer, type GitServer } from '../../bed/git-server.js';
import { startFreshHost, type FreshHost } from './fresh-host.js';
import { packagesForTest, type BuiltPackage } from './package-cache.js';
import { freePort } from '../../bed/free-port.js';

const REPO = join(fileURLToPath(import.meta.url), '../../../../..');

const compose = (project: string, level: string): string => `name: ${project}
services:
  web:
    image: local/busybox:1
    command: ["sleep", "3600"]
    network_mode: none
    stop_grace_period: 1s
    environment: { LEVEL: ${level} }
`;

interface Status {
  revision: { applied: string | null };
  lastSync: { result: string } | null;
}

describe('the moor package on a fresh systemd host', { timeout: 240_000 }, () => {
  const host = uniqueHostId('pkg');
  const project = host.replace(/-/g, '');
  let packages: { old: BuiltPackage; new: BuiltPackage };
  let box: FreshHost;
  let repo: TestRepo;
  let server: GitServer;
  let engine: Dockerode;
  let logDir: string;
  let commits: string[] = [];

  const status = async (): Promise<Status> => JSON.parse(await box.sh('moor --json status')) as Status;
  const web = async (): Promise<Dockerode.ContainerInfo | undefined> =>
    (await engine.listContainers({ all: true, filters: { label: [`moor.host=${host}`, 'moor.service=web'] } }))[0];
  const convergedOn = (commit: string) =>
    waitFor(`web running at ${commit.slice(0, 8)}`, async () => {
      const c = await web();
      return c?.State === 'running' && c.Labels['moor.revision'] === commit ? c : null;
    }, { timeoutMs: 60_000, intervalMs: 250 }).catch(async (err: unknown) => {
      // What the agent said is the evidence a failure here needs.
      const journal = await box.exec(['journalctl', '-u', 'moor.service', '-n', '40', '--no-pager']).catch(() => ({ stdout: '(no journal)' }));
      throw new Error(`${err instanceof Error ? err.message : String(err)}; the agent's journal:\n${journal.stdout}`);
    });
  // The commit's verdict, not the last sync's result: with a 1 s poll the agent may have found
  // the branch unchanged since it converged.
  const judgedApplied = async (commit: string): Promise<void> => {
    const history = JSON.parse(await box.sh('moor --json history')) as { revisions: { commit: string; verdict: string }[] };
    assert.equal(history.revisions.find((r) => r.commit === commit)?.verdict, 'applied', `verdict of ${commit.slice(0, 8)}`);
  };
  const push = async (level: string, extra: Record<string, string> = {}): Promise<string> => {
    const commit = await repo.commitFiles(`hosts/${host}`, { 'compose.yaml': compose(project, level), ...extra }, `web at ${level}`);
    commits.push(commit);
    return commit;
  };

  before(async () => {
    engine = testDocker();
    logDir = tempDir('moor-pkg-');
    packages = await packagesForTest(join(logDir, 'build.log'));
    repo = await createTestRepo({ bare: true });
    server = await startGitServer({ projectRoot: repo.root, logFile: join(logDir, 'git-http.log'), auth: { username: 'fleet', password: 's3cret' } });
    box = await startFreshHost({
      name: `moor-${host}`,
      dockerSocket: dockerSocket(),
      mounts: {
        [packages.old.dir]: '/pkgs/old',
        [packages.new.dir]: '/pkgs/new',
        // The tarball's layout, for install.sh: files side by side.
        [join(packages.new.dir, 'moor')]: '/opt/moor-tar/moor',
        [join(REPO, 'packaging/install.sh')]: '/opt/moor-tar/install.sh',
        [join(REPO, 'systemd/moor.service')]: '/opt/moor-tar/moor.service',
        [join(REPO, 'systemd/moor-hub.service')]: '/opt/moor-tar/moor-hub.service',
        [join(REPO, 'config/agent.yaml')]: '/opt/moor-tar/agent.yaml',
        [join(REPO, 'config/hub.yaml')]: '/opt/moor-tar/hub.yaml',
      },
      logFile: join(logDir, 'box.log'),
    });
  });

  after(async () => {
    await box?.stop();
    await server?.stop();
    await repo?.remove();
    if (engine) await cleanupHost(engine, host);
  });

  it('starts from a host without node', async () => {
    const r = await box.exec(['sh', '-c', 'command -v node nodejs; ls /usr/lib/node_modules 2>/dev/null']);
    assert.equal(r.stdout.trim(), '');
  });

  it('installs: binary, units, example config, state dir; enabled but not started unconfigured', async () => {
    await box.sh(`dpkg -i /pkgs/old/${packages.old.deb.split('/').pop()}`);
    assert.match(await box.sh('moor version'), new RegExp(`^moor ${packages.old.version.replace(/[.+~]/g, '\\$&')} \\(`));
    assert.equal((await box.sh('systemctl is-enabled moor.service')).trim(), 'enabled');
    assert.equal((await box.exec(['systemctl', 'is-active', 'moor.service'])).stdout.trim(), 'inactive');
    assert.equal((await box.sh('stat -c %a /var/lib/moor')).trim(), '700');
    assert.match(await box.sh('cat /etc/moor/agent.yaml'), /git\.example\.com/);
    assert.equal((await box.exec(['systemctl', 'is-enabled', 'moor-hub.service'])).stdout.trim(), 'disabled');
  });

  it('has units that systemd-analyze verify finds clean', async () => {
    const r = await box.exec(['systemd-analyze', 'verify', '/lib/systemd/system/moor.service', '/lib/systemd/system/moor-hub.service']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '');
  });

  it('runs the agent under systemd and converges on each pushed commit', async () => {
    await push('one');
    await box.sh(`umask 077; printf 's3cret\\n' > /etc/moor/git-token; cat > /etc/moor/agent.yaml <<'YAML'
host: ${host}
source:
  url: ${server.url}/${repo.name}
  interval: 1s
  auth: { username: fleet, passwordFile: /etc/moor/git-token }
docker: { socket: /run/docker.sock }
stateDir: /var/lib/moor
YAML`);
    const doctor = await box.exec(['moor', 'doctor']);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    await box.sh('systemctl start moor.service');
    await convergedOn(commits[0] ?? '');
    // A unit and a file too: the sandbox (ProtectSystem=strict) must let the agent write them.
    const second = await push('two', {
      'moor.yaml': `compose: [compose.yaml]
units:
  - { name: moor-pkg-hello.service, enabled: true, state: running }
files:
  - { path: /etc/moor-files/hello.conf, source: files/hello.conf, mode: "0644" }
`,
      'units/moor-pkg-hello.service': '[Unit]\nDescription=hello from git\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n',
      'files/hello.conf': 'greeting = hello\n',
    });
    await convergedOn(second);
    await waitFor('status at the second commit', async () => ((await status()).revision.applied === second ? true : null));
    await judgedApplied(second);
    assert.equal((await box.sh('systemctl is-active moor-pkg-hello.service')).trim(), 'active');
    assert.equal(await box.sh('cat /etc/moor-files/hello.conf'), 'greeting = hello\n');
    // The embedded SQLite addon went to the unit's CacheDirectory, not /tmp.
    assert.match(await box.sh('ls /var/cache/moor'), /^better_sqlite3-[0-9a-f]{16}\.node$/m);
  });

  it('upgrades to a newer package, keeping state and configuration, and keeps converging', async () => {
    const config = await box.sh('cat /etc/moor/agent.yaml');
    const pidBefore = (await box.sh('systemctl show -p MainPID --value moor.service')).trim();
    await box.sh(`dpkg -i --force-confold /pkgs/new/${packages.new.deb.split('/').pop()}`);
    assert.match(await box.sh('moor version'), new RegExp(`^moor ${packages.new.version.replace(/[.+~]/g, '\\$&')} \\(`));
    assert.equal(await box.sh('cat /etc/moor/agent.yaml'), config);
    assert.equal((await box.sh('systemctl is-active moor.service')).trim(), 'active');
    assert.notEqual((await box.sh('systemctl show -p MainPID --value moor.service')).trim(), pidBefore);
    // The upgraded agent may still be starting: wait for its control socket.
    const kept = await waitFor('the upgraded agent answering', () => status().catch(() => null));
    assert.equal(kept.revision.applied, commits[1]);
    const third = await push('three');
    await convergedOn(third);
  });

  it('runs the hub under its own hardened unit', async () => {
    const port = await freePort();
    await box.sh(`cat > /etc/moor/hub.yaml <<'YAML'
listen: 127.0.0.1:${port}
database: /var/lib/moor-hub/hub.db
YAML
systemctl start moor-hub.service`);
    const res = await waitFor('the hub answering', async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        return r.ok ? r : null;
      } catch {
        return null;
      }
    });
    assert.equal(res.status, 200);
    await box.sh('test -f /var/lib/moor-hub/hub.db');
  });

  it('removes the package: service gone, containers left running; purge deletes the state', async () => {
    const before = await web();
    await box.sh('dpkg -r moor');
    assert.notEqual((await box.exec(['systemctl', 'is-active', 'moor.service'])).stdout.trim(), 'active');
    assert.notEqual((await box.exec(['systemctl', 'cat', 'moor.service'])).code, 0);
    assert.notEqual((await box.exec(['systemctl', 'is-active', 'moor-hub.service'])).stdout.trim(), 'active');
    assert.notEqual((await box.exec(['sh', '-c', 'command -v moor'])).code, 0);
    const after = await web();
    assert.equal(after?.State, 'running');
    assert.equal(after?.Id, before?.Id);
    // remove keeps state and configuration; purge deletes them.
    await box.sh('test -f /var/lib/moor/state.db && test -f /etc/moor/agent.yaml');
    await box.sh('dpkg --purge moor');
    assert.notEqual((await box.exec(['test', '-e', '/var/lib/moor'])).code, 0);
    assert.notEqual((await box.exec(['test', '-e', '/etc/moor/agent.yaml'])).code, 0);
    assert.equal((await web())?.State, 'running');
  });

  it('installs with install.sh where there is no apt, keeps a present config, and uninstalls the same way', async () => {
    const running = await web();
    await box.sh(`umask 077; mkdir -p /etc/moor; cat > /etc/moor/agent.yaml <<'YAML'
host: ${host}
source:
  url: ${server.url}/${repo.name}
  interval: 1s
  auth: { username: fleet, passwordFile: /etc/moor/git-token }
docker: { socket: /run/docker.sock }
YAML`);
    await box.sh('sh /opt/moor-tar/install.sh');
    assert.match(await box.sh('cat /etc/moor/agent.yaml'), new RegExp(`host: ${host}`));
    assert.equal((await box.sh('systemctl is-enabled moor.service')).trim(), 'enabled');
    await waitFor('status at the third commit', async () => {
      const r = await box.exec(['moor', '--json', 'status']);
      const now = r.code === 0 ? (JSON.parse(r.stdout) as Status) : null;
      return now?.revision.applied === commits[2] ? now : null;
    });
    await judgedApplied(commits[2] ?? '');
    // Same spec, same hash: a fresh state database replaces nothing.
    assert.equal((await web())?.Id, running?.Id);
    await box.sh('sh /opt/moor-tar/install.sh --uninstall');
    assert.notEqual((await box.exec(['systemctl', 'cat', 'moor.service'])).code, 0);
    assert.equal((await web())?.State, 'running');
    await box.sh('test -f /var/lib/moor/state.db');
    await box.sh('sh /opt/moor-tar/install.sh --purge');
    assert.notEqual((await box.exec(['test', '-e', '/var/lib/moor'])).code, 0);
  });
});
