import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SettingsError, type ConfigProblem } from '../../../agent/contracts/errors.js';
import { loadSettings } from '../../../agent/settings/load.js';
import type { AgentSettings } from '../../../agent/settings/model.js';

const HOST = { env: {}, hostname: 'edge-01' };

/** Writes agent.yaml (and any secret files beside it) into a temp dir and loads it. */
async function settings(yaml: string, files: Record<string, string> = {}, options: { env?: NodeJS.ProcessEnv } = {}): Promise<AgentSettings> {
  const dir = await mkdtemp(path.join(tmpdir(), 'moor-settings-'));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  const file = path.join(dir, 'agent.yaml');
  await writeFile(file, yaml);
  return loadSettings(file, { ...HOST, env: options.env ?? {} });
}

async function problemsOf(yaml: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Promise<ConfigProblem[]> {
  try {
    await settings(yaml, files, { env });
  } catch (err) {
    assert.ok(err instanceof SettingsError, String(err));
    assert.equal(err.handling, 'fatal');
    return err.problems;
  }
  assert.fail('expected a SettingsError');
}

function assertProblem(list: ConfigProblem[], line: number, key: string, message: RegExp): void {
  const found = list.find((p) => p.key === key && message.test(p.message));
  assert.ok(found, `no ${key} ~ ${message} in ${JSON.stringify(list)}`);
  assert.equal(found.line, line);
  assert.match(found.file, /agent\.yaml$/);
}

const MINIMAL = 'source:\n  url: https://git.example.com/fleet/config.git\n';

describe('agent settings', () => {
  it('fills every default from a minimal file', async () => {
    const s = await settings(MINIMAL);
    assert.equal(s.host, 'edge-01');
    assert.deepEqual(s.source, {
      url: 'https://git.example.com/fleet/config.git',
      kind: 'http',
      branch: 'hosts/edge-01',
      path: '',
      intervalMs: 60_000,
      schedule: null,
      auth: { username: null, password: null, sshKeyFile: null, knownHostsFile: null },
      verify: { mode: 'off', keysFile: null },
      allowRewind: false,
    });
    assert.deepEqual(s.docker, { socketPath: '/var/run/docker.sock', host: null, port: null, configFile: null });
    assert.deepEqual(s.policy, {
      selfHeal: true,
      prune: true,
      allowPrivileged: false,
      allowedBindRoots: ['/srv'],
      allowedFileRoots: ['/etc/moor-files'],
      strictInterpolation: false,
      allow: {
        capabilities: [],
        hostNetwork: true,
        hostPid: false,
        hostIpc: false,
        foreignContainers: false,
        external: false,
        volumeDrivers: [],
        volumeBindOutsideRoots: false,
        securityOpt: false,
      },
      units: { install: 'own', dropInsFor: [], maskOrStop: [] },
    });
    assert.deepEqual(s.systemd, { unitDir: '/etc/systemd/system', enabled: true });
    assert.equal(s.hub, null);
    assert.deepEqual(s.registries, []);
    assert.equal(s.stateDir, '/var/lib/moor');
    assert.equal(s.projectsDir, '/var/lib/moor/projects');
    assert.equal(s.concurrency, 4);
    assert.equal(s.logLevel, 'info');
  });

  it('puts project directories under stateDir unless projectsDir says where', async () => {
    assert.equal((await settings('source:\n  url: /srv/r.git\nstateDir: /data/moor\n')).projectsDir, '/data/moor/projects');
    assert.equal((await settings('source:\n  url: /srv/r.git\nprojectsDir: /srv/projects/\n')).projectsDir, '/srv/projects');
  });

  it('takes a cron schedule instead of the interval, and names a schedule that is not cron', async () => {
    const s = await settings(`${MINIMAL}  schedule: "*/5 * * * *"\n`);
    assert.equal(s.source.schedule, '*/5 * * * *');
    assertProblem(await problemsOf(`${MINIMAL}  schedule: "every day"\n`), 3, 'source.schedule', /"every day" is not a valid cron expression/);
  });

  it('substitutes {host} in branch, url and path', async () => {
    const s = await settings('host: shop-7\nsource:\n  url: /srv/repos/{host}.git\n  branch: fleet/{host}/main\n  path: hosts/{host}\n');
    assert.equal(s.source.branch, 'fleet/shop-7/main');
    assert.equal(s.source.url, '/srv/repos/shop-7.git');
    assert.equal(s.source.path, 'hosts/shop-7');
  });

  it('reads secrets from files, trimmed', async () => {
    const s = await settings(
      `source:
  url: https://git.example.com/c.git
  auth: { username: fleet, passwordFile: git-token }
registries:
  - { host: registry.example.com, username: fleet, passwordFile: reg-pass }
hub: { url: wss://hub.example.com/agent, tokenFile: hub-token, heartbeat: 5s }
`,
      { 'git-token': 'tok\n', 'reg-pass': '  pw  \n', 'hub-token': 'hubtok\n' },
    );
    assert.equal(s.source.auth.password, 'tok');
    assert.deepEqual(s.registries, [{ host: 'registry.example.com', username: 'fleet', password: 'pw' }]);
    assert.equal(s.hub?.token, 'hubtok');
    assert.equal(s.hub?.heartbeatMs, 5_000);
    assert.equal(s.hub?.outboxLimit, 100_000);
  });

  it('names the key of a missing secret file', async () => {
    const list = await problemsOf('source:\n  url: https://x/c.git\n  auth:\n    passwordFile: /nonexistent/token\n');
    assertProblem(list, 4, 'source.auth.passwordFile', /cannot read \/nonexistent\/token/);
  });

  it('refuses credentials in the source URL', async () => {
    const list = await problemsOf('source:\n  url: https://fleet:s3cret@git.example.com/c.git\n');
    assertProblem(list, 2, 'source.url', /credentials in the URL are refused/);
    assert.ok(!JSON.stringify(list).includes('s3cret'), 'the password is not repeated in messages');
  });

  it('detects http, ssh and local sources', async () => {
    const kind = async (url: string): Promise<[string, string]> => {
      const s = await settings(`source:\n  url: "${url}"\n`);
      return [s.source.kind, s.source.url];
    };
    assert.deepEqual(await kind('http://127.0.0.1:8080/c.git'), ['http', 'http://127.0.0.1:8080/c.git']);
    assert.deepEqual(await kind('ssh://git@host:2222/c.git'), ['ssh', 'ssh://git@host:2222/c.git']);
    assert.deepEqual(await kind('git@host:fleet/c.git'), ['ssh', 'git@host:fleet/c.git']);
    assert.deepEqual(await kind('/srv/git/c.git'), ['local', '/srv/git/c.git']);
    assert.deepEqual(await kind('file:///srv/git/c.git'), ['local', '/srv/git/c.git']);
  });

  it('refuses a relative or unknown source URL', async () => {
    assertProblem(await problemsOf('source:\n  url: repos/c.git\n'), 2, 'source.url', /not https/);
  });

  it('requires source.url', async () => {
    assertProblem(await problemsOf('host: a\n'), 1, 'source', /source.url is required/);
  });

  it('reports unknown keys with file, line and key', async () => {
    const list = await problemsOf(`${MINIMAL}policy:\n  selfHeal: true\n  allowEverything: true\n`);
    assertProblem(list, 5, 'policy.allowEverything', /unsupported key/);
  });

  it('reports wrong types and bad durations', async () => {
    const list = await problemsOf(`${MINIMAL}  interval: often\nconcurrency: many\n`);
    assertProblem(list, 3, 'source.interval', /duration/);
    assertProblem(list, 4, 'concurrency', /number/);
  });

  it('parses durations in ms, s, m and h', async () => {
    assert.equal((await settings(`${MINIMAL}  interval: 2m\n`)).source.intervalMs, 120_000);
    assert.equal((await settings(`${MINIMAL}  interval: 500ms\n`)).source.intervalMs, 500);
    assert.equal((await settings(`${MINIMAL}  interval: 1h\n`)).source.intervalMs, 3_600_000);
  });

  it('accepts a cron schedule but not together with an interval', async () => {
    assert.equal((await settings(`${MINIMAL}  schedule: "*/5 * * * *"\n`)).source.schedule, '*/5 * * * *');
    assertProblem(await problemsOf(`${MINIMAL}  schedule: "*/5 * * * *"\n  interval: 10s\n`), 3, 'source.schedule', /not both/);
    assertProblem(await problemsOf(`${MINIMAL}  schedule: "whenever"\n`), 3, 'source.schedule', /cron/);
  });

  it('honours DOCKER_HOST for unix and tcp engines', async () => {
    const unix = await settings(MINIMAL, {}, { env: { DOCKER_HOST: 'unix:///run/test/docker.sock' } });
    assert.equal(unix.docker.socketPath, '/run/test/docker.sock');
    const tcp = await settings(MINIMAL, {}, { env: { DOCKER_HOST: 'tcp://127.0.0.1:2376' } });
    assert.deepEqual([tcp.docker.socketPath, tcp.docker.host, tcp.docker.port], [null, '127.0.0.1', 2376]);
  });

  it('prefers docker.socket written in the file over DOCKER_HOST', async () => {
    const s = await settings(`${MINIMAL}docker: { socket: /run/moor/docker.sock }\n`, {}, { env: { DOCKER_HOST: 'tcp://x:1' } });
    assert.equal(s.docker.socketPath, '/run/moor/docker.sock');
  });

  it('refuses a malformed DOCKER_HOST', async () => {
    const list = await problemsOf(MINIMAL, {}, { DOCKER_HOST: 'npipe:////./pipe/docker' });
    assert.equal(list[0]?.key, 'DOCKER_HOST');
  });

  it('requires keysFile when verify mode is head', async () => {
    assertProblem(await problemsOf(`${MINIMAL}  verify: { mode: head }\n`), 3, 'source.verify.keysFile', /required/);
  });

  it('refuses auth that does not fit the source kind', async () => {
    const list = await problemsOf('source:\n  url: git@host:c.git\n  auth: { passwordFile: x }\n', { x: 'pw' });
    assertProblem(list, 3, 'source.auth.passwordFile', /http/);
  });

  it('refuses a hub URL that is not ws:// or wss://', async () => {
    const list = await problemsOf(`${MINIMAL}hub: { url: https://hub/agent, tokenFile: t }\n`, { t: 'x' });
    assertProblem(list, 3, 'hub.url', /ws:\/\//);
  });

  it('refuses a source path that leaves the branch', async () => {
    assertProblem(await problemsOf(`${MINIMAL}  path: ../other\n`), 3, 'source.path', /\.\./);
  });

  it('normalises policy roots and refuses relative ones', async () => {
    const s = await settings(`${MINIMAL}policy: { allowedBindRoots: [/srv/, /data//x, /srv] }\n`);
    assert.deepEqual(s.policy.allowedBindRoots, ['/data/x', '/srv']);
    assertProblem(await problemsOf(`${MINIMAL}policy:\n  allowedFileRoots: [etc]\n`), 4, 'policy.allowedFileRoots[0]', /absolute/);
  });

  it('reports a missing settings file', async () => {
    await assert.rejects(loadSettings('/nonexistent/agent.yaml', HOST), (err: unknown) => err instanceof SettingsError && /not found/.test(err.message));
  });

  it('accepts the optional keys allowRewind, caFile, outboxLimit, configFile, concurrency and logLevel', async () => {
    const s = await settings(
      `${MINIMAL}  allowRewind: true
docker: { configFile: /etc/moor/docker.json }
hub: { url: ws://127.0.0.1:7070/agent, tokenFile: t, caFile: /etc/moor/ca.pem, outboxLimit: 500 }
concurrency: 8
logLevel: debug
`,
      { t: 'tok' },
    );
    assert.equal(s.source.allowRewind, true);
    assert.equal(s.docker.configFile, '/etc/moor/docker.json');
    assert.equal(s.hub?.caFile, '/etc/moor/ca.pem');
    assert.equal(s.hub?.outboxLimit, 500);
    assert.equal(s.concurrency, 8);
    assert.equal(s.logLevel, 'debug');
  });

  it('finds the example config/agent.yaml valid apart from its secret files', async () => {
    const example = new URL('../../../../config/agent.yaml', import.meta.url);
    let problems: ConfigProblem[] = [];
    await loadSettings(example.pathname, HOST).catch((err: unknown) => {
      assert.ok(err instanceof SettingsError);
      problems = err.problems;
    });
    assert.deepEqual(problems.map((p) => p.key), ['source.auth.passwordFile', 'registries[0].passwordFile', 'hub.tokenFile']);
  });
});
