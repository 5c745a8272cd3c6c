// moor's agent inside a container running real systemd as PID 1, against a config repo served
// over HTTP: units and files installed, changed, restarted, disabled, masked, pruned, drift put
// back, a failing unit rolled back, hostile names refused. One box for the whole file.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupHost, dockerSocket, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { createTestRepo, type FileContent, type TestRepo } from '../../bed/git-repo.js';
import { startGitServer, type GitServer } from '../../bed/git-server.js';
import { startSystemdBox, type SystemdBox } from '../../bed/systemd.js';

const HELLO = `[Unit]
Description=moor test service
[Service]
ExecStart=/bin/sh -c 'cat /etc/moor-files/hello.conf; exec sleep infinity'
[Install]
WantedBy=multi-user.target
`;
const TICK_TIMER = `[Timer]
OnActiveSec=1h
[Install]
WantedBy=timers.target
`;
const TICK_SERVICE = `[Service]
Type=oneshot
ExecStart=/bin/true
`;
const BROKEN = `[Service]
ExecStart=/bin/sh -c 'echo broken-unit-says-goodbye; exit 3'
`;

interface Outcome {
  result: string;
  commit: string | null;
  changes: { kind: string; name: string; action: string; why: string; drift: boolean }[];
  error: { code: string; message: string; data?: Record<string, unknown> } | null;
}

function manifest(units: string[], files: string[] = []): string {
  return ['units:', ...units.map((u) => `  - ${u}`), ...(files.length ? ['files:', ...files.map((f) => `  - ${f}`)] : [])].join('\n') + '\n';
}

const HELLO_FILE = '{ path: /etc/moor-files/hello.conf, source: files/hello.conf, mode: "0640", restarts: [hello.service] }';

describe('systemd units and files on a real systemd host', { timeout: 170_000 }, () => {
  const host = uniqueHostId('sd');
  const logDir = path.resolve(process.env['MOOR_TEST_LOG_DIR'] ?? path.join(os.tmpdir(), 'moor-systemd-logs'));
  const etcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moor-sd-etc-'));
  let repo: TestRepo;
  let server: GitServer;
  let box: SystemdBox;
  const branch = `hosts/${host}`;
  const started = Date.now();

  const commit = (files: Record<string, FileContent>, message: string): Promise<string> => repo.commitFiles(branch, files, message);
  const sync = async (): Promise<{ code: number; outcome: Outcome }> => {
    const r = await box.moor(['sync', '--json', '--config', '/etc/moor/agent.yaml']);
    try {
      return { code: r.code, outcome: JSON.parse(r.stdout) as Outcome };
    } catch {
      throw new Error(`moor sync printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
  };
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await box.moor([...args, '--json', '--config', '/etc/moor/agent.yaml']);
    return JSON.parse(r.stdout) as T;
  };
  const show = async (unit: string, prop: string): Promise<string> =>
    (await box.exec(['systemctl', 'show', '-p', prop, '--value', unit])).stdout.trim();
  const isActive = async (unit: string): Promise<string> => (await box.exec(['systemctl', 'is-active', unit])).stdout.trim();
  const isEnabled = async (unit: string): Promise<string> => (await box.exec(['systemctl', 'is-enabled', unit])).stdout.trim();

  before(async () => {
    fs.mkdirSync(logDir, { recursive: true });
    process.env['DOCKER_HOST'] = `unix://${dockerSocket()}`;
    repo = await createTestRepo();
    server = await startGitServer({ projectRoot: repo.root, logFile: path.join(logDir, 'systemd-git.log') });
    await commit({ 'moor.yaml': 'units: []\n' }, 'empty host');
    await repo.git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
    fs.writeFileSync(
      path.join(etcDir, 'agent.yaml'),
      [
        `host: ${host}`,
        `source: { url: "${server.url}/${repo.name}", interval: 1h }`,
        'docker: { socket: /var/run/docker.sock }',
        'systemd: { unitDir: /etc/systemd/system }',
        'policy: { allowedFileRoots: [/etc/moor-files], units: { maskOrStop: [apt-daily.timer] } }',
        'stateDir: /var/lib/moor',
        'logLevel: info',
        '',
      ].join('\n'),
    );
    box = await startSystemdBox({
      name: `moor-${host}`,
      dockerSocket: dockerSocket(),
      mounts: { [etcDir]: '/etc/moor' },
      logFile: path.join(logDir, 'systemd-box.log'),
    });
    await box.sh(
      'systemd-run --unit moor-agent -p StandardOutput=journal -p StandardError=journal node /opt/moor/build/moor.cjs agent --config /etc/moor/agent.yaml',
    );
    // The daemon answers on its control socket once it is up; its first sync applies the empty host.
    for (let i = 0; ; i++) {
      const r = await box.moor(['status', '--json', '--config', '/etc/moor/agent.yaml']);
      if (r.code === 0 && (JSON.parse(r.stdout) as { revision: { applied: string | null } }).revision.applied) break;
      if (i > 100) throw new Error(`the agent did not come up: ${r.stdout} ${r.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  after(async () => {
    await box?.stop();
    await server?.stop();
    await repo?.remove();
    await cleanupHost(testDocker(), host).catch(() => undefined);
    fs.rmSync(etcDir, { recursive: true, force: true });
    process.stderr.write(`# systemd suite: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });

  it('installs and starts a service and a timer, and writes the file the service reads', async () => {
    await commit(
      {
        'moor.yaml': manifest(['{ name: hello.service, enabled: true, state: running }', '{ name: tick.timer, enabled: true, state: running }'], [HELLO_FILE]),
        'units/hello.service': HELLO,
        'units/tick.timer': TICK_TIMER,
        'units/tick.service': TICK_SERVICE,
        'files/hello.conf': 'greeting=1\n',
      },
      'add hello and tick',
    );
    const { code, outcome } = await sync();
    assert.equal(outcome.result, 'converged', JSON.stringify(outcome.error));
    assert.equal(code, 0);
    assert.equal(await isActive('hello.service'), 'active');
    assert.equal(await isEnabled('hello.service'), 'enabled');
    assert.equal(await isActive('tick.timer'), 'active');
    assert.equal(await isEnabled('tick.timer'), 'enabled');
    assert.equal(await box.sh('cat /etc/moor-files/hello.conf'), 'greeting=1\n');
    assert.equal((await box.sh('stat -c %a /etc/moor-files/hello.conf /etc/systemd/system/hello.service')).trim(), '640\n644');
    assert.equal(await show('hello.service', 'NeedDaemonReload'), 'no');
    const kinds = outcome.changes.map((c) => `${c.action} ${c.kind}/${c.name}`);
    for (const want of ['create unit/hello.service', 'create unit/tick.timer', 'create file//etc/moor-files/hello.conf']) {
      assert.ok(kinds.includes(want), `${want} in ${kinds.join(', ')}`);
    }

    const status = await json<{ resources: { kind: string; name: string; health: string }[] }>(['status']);
    const health = Object.fromEntries(status.resources.map((r) => [`${r.kind}/${r.name}`, r.health]));
    assert.equal(health['unit/hello.service'], 'healthy');
    assert.equal(health['unit/tick.timer'], 'healthy');
    assert.equal(health['file//etc/moor-files/hello.conf'], 'healthy');
    const history = await json<{ applies: { changes: { kind: string }[] }[] }>(['history']);
    assert.ok(history.applies.some((a) => a.changes.some((c) => c.kind === 'unit')));
    const plan = await box.moor(['plan', '--json', '--config', '/etc/moor/agent.yaml']);
    assert.equal(plan.code, 0, `a second plan is empty: ${plan.stdout}`);
  });

  it('restarts the service when its unit file changes, and leaves the timer alone', async () => {
    const helloRun = await show('hello.service', 'InvocationID');
    const timerRun = await show('tick.timer', 'InvocationID');
    await commit({ 'units/hello.service': HELLO.replace('[Service]\n', '[Service]\nEnvironment=GREETING=2\n') }, 'hello: env');
    const { outcome } = await sync();
    assert.equal(outcome.result, 'converged', JSON.stringify(outcome.error));
    assert.notEqual(await show('hello.service', 'InvocationID'), helloRun);
    assert.equal(await show('tick.timer', 'InvocationID'), timerRun);
    assert.match(await show('hello.service', 'Environment'), /GREETING=2/);
    assert.equal(await show('hello.service', 'NeedDaemonReload'), 'no');
    assert.deepEqual(outcome.changes.map((c) => `${c.kind}/${c.name}`), ['unit/hello.service']);
  });

  it('restarts the service through restarts: when only the file it reads changes', async () => {
    const helloRun = await show('hello.service', 'InvocationID');
    await commit({ 'files/hello.conf': 'greeting=2\n' }, 'hello.conf: greeting 2');
    const { outcome } = await sync();
    assert.equal(outcome.result, 'converged', JSON.stringify(outcome.error));
    assert.equal(await box.sh('cat /etc/moor-files/hello.conf'), 'greeting=2\n');
    assert.notEqual(await show('hello.service', 'InvocationID'), helloRun);
    const unit = outcome.changes.find((c) => c.name === 'hello.service');
    assert.match(unit?.why ?? '', /hello\.conf changed/);
  });

  it('disables the service when the commit says enabled: false, without restarting it', async () => {
    const helloRun = await show('hello.service', 'InvocationID');
    await commit(
      { 'moor.yaml': manifest(['{ name: hello.service, enabled: false, state: running }', '{ name: tick.timer, enabled: true, state: running }'], [HELLO_FILE]) },
      'hello: disabled',
    );
    const { outcome } = await sync();
    assert.equal(outcome.result, 'converged', JSON.stringify(outcome.error));
    assert.equal(await isEnabled('hello.service'), 'disabled');
    assert.equal(await isActive('hello.service'), 'active');
    assert.equal(await show('hello.service', 'InvocationID'), helloRun);
  });

  it('masks and stops a unit the host already has, and never touches its file', async () => {
    await box.sh('systemctl start apt-daily.timer');
    await commit(
      {
        'moor.yaml': manifest(
          ['{ name: hello.service, enabled: false, state: running }', '{ name: tick.timer, enabled: true, state: running }', '{ name: apt-daily.timer, state: stopped, mask: true }'],
          [HELLO_FILE],
        ),
      },
      'mask apt-daily',
    );
    const { outcome } = await sync();
    assert.equal(outcome.result, 'converged', JSON.stringify(outcome.error));
    assert.equal(await isEnabled('apt-daily.timer'), 'masked');
    assert.equal(await isActive('apt-daily.timer'), 'inactive');
    assert.equal((await box.sh('readlink /etc/systemd/system/apt-daily.timer')).trim(), '/dev/null');
    await box.sh('test -f /lib/systemd/system/apt-daily.timer');
  });

  it('prunes the timer it installed once the commit no longer has it', async () => {
    await commit(
      {
        'moor.yaml': manifest(['{ name: hello.service, enabled: false, state: running }', '{ name: apt-daily.timer, state: stopped, mask: true }'], [HELLO_FILE]),
        'units/tick.timer': null,
        'units/tick.service': null,
      },
      'drop tick',
    );
    const { outcome } = await sync();
    assert.equal(outcome.result, 'converged', JSON.stringify(outcome.error));
    await box.sh('test ! -e /etc/systemd/system/tick.timer && test ! -e /etc/systemd/system/tick.service');
    assert.equal(await isActive('tick.timer'), 'inactive');
    assert.equal(await show('tick.timer', 'LoadState'), 'not-found');
    assert.equal(await isActive('hello.service'), 'active');
    // The host's own unit stays masked and on disk.
    await box.sh('test -f /lib/systemd/system/apt-daily.timer');
  });

  it('puts back a unit edited and stopped by hand and a file changed on disk', async () => {
    await box.sh(
      "echo '# edited by hand' >> /etc/systemd/system/hello.service && systemctl daemon-reload && systemctl stop hello.service && echo tampered > /etc/moor-files/hello.conf",
    );
    const { outcome } = await sync();
    assert.equal(outcome.result, 'healed', JSON.stringify(outcome));
    const drifted = outcome.changes.filter((c) => c.drift).map((c) => `${c.kind}/${c.name}`).sort();
    assert.deepEqual(drifted, ['file//etc/moor-files/hello.conf', 'unit/hello.service']);
    assert.equal(await box.sh('cat /etc/moor-files/hello.conf'), 'greeting=2\n');
    assert.doesNotMatch(await box.sh('cat /etc/systemd/system/hello.service'), /edited by hand/);
    assert.equal(await isActive('hello.service'), 'active');
    const again = await sync();
    assert.equal(again.outcome.result, 'unchanged');
  });

  it('fails the apply of a unit that does not start, reports its journal, and rolls back', async () => {
    await commit(
      {
        'moor.yaml': manifest(
          ['{ name: hello.service, enabled: false, state: running }', '{ name: apt-daily.timer, state: stopped, mask: true }', '{ name: broken.service, state: running }'],
          [HELLO_FILE],
        ),
        'units/broken.service': BROKEN,
      },
      'add broken',
    );
    const { code, outcome } = await sync();
    assert.equal(code, 1);
    assert.equal(outcome.result, 'rolled-back', JSON.stringify(outcome));
    assert.equal(outcome.error?.code, 'UNHEALTHY');
    assert.match(outcome.error?.message ?? '', /broken\.service/);
    const logs = outcome.error?.data?.['logs'];
    assert.ok(Array.isArray(logs) && logs.some((l) => String(l).includes('broken-unit-says-goodbye')), JSON.stringify(logs));
    // The rollback put the last good commit back: the broken unit moor installed is gone.
    await box.sh('test ! -e /etc/systemd/system/broken.service');
    assert.equal(await isActive('hello.service'), 'active');
  });

  it('refuses hostile unit names and file paths, and writes nothing', async () => {
    const before = await box.sh('ls -la /etc/systemd/system /etc/moor-files; sha256sum /etc/passwd /etc/shadow');
    await commit(
      {
        'moor.yaml': manifest(
          ['{ name: "x;reboot.service", state: running }', '{ name: ../../etc/evil.service }', '{ name: "evil/../../x.service" }', '{ name: hello.sh }'],
          [
            '{ path: /etc/passwd, source: files/hello.conf }',
            '{ path: /etc/moor-files/../shadow, source: files/hello.conf }',
            '{ path: /etc/moor-files/a.conf, source: ../../etc/shadow }',
            '{ path: /etc/moor-files/b.conf, source: /etc/shadow }',
            '{ path: /etc/moor-files/c.conf, source: files/link }',
          ],
        ),
        'units/broken.service': null,
        'files/link': { content: '/etc/shadow', mode: 'symlink' },
      },
      'hostile',
    );
    const { code, outcome } = await sync();
    assert.equal(code, 1);
    assert.equal(outcome.result, 'invalid', JSON.stringify(outcome));
    const problems = (outcome.error?.data?.['problems'] ?? []) as { key: string; message: string }[];
    const keys = problems.map((p) => p.key);
    for (const key of ['units[0].name', 'units[1].name', 'units[2].name', 'units[3].name', 'files[0].path', 'files[1].path', 'files[2].source', 'files[3].source', 'files[4].source']) {
      assert.ok(keys.includes(key), `${key} is reported: ${JSON.stringify(problems)}`);
    }
    assert.equal(await box.sh('ls -la /etc/systemd/system /etc/moor-files; sha256sum /etc/passwd /etc/shadow'), before);
  });
});
