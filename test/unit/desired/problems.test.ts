import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidConfigError } from '../../../agent/contracts/errors.js';
import { assertProblem, loadWarned, composeWith, configDir, load, POLICY, problems } from './fixtures.js';
import { DEFAULT_PROJECTS_DIR, loadDesiredState } from '../../../agent/desired/load.js';

const compose = (text: string): Promise<Awaited<ReturnType<typeof problems>>> => problems({ 'compose.yaml': text });

describe('compose problems name file, line and key', () => {
  it('reports an unsupported service key', async () => {
    assertProblem(await compose(composeWith('    frobnicate: .\n')), { file: 'compose.yaml', line: 4, key: 'services.web.frobnicate', message: /unsupported key/ });
  });
  it('reports an unsupported top-level key but still checks services', async () => {
    const list = await compose('volumes2: {}\nservices:\n  web: { image: x, ports: ["nope"] }\n');
    assertProblem(list, { file: 'compose.yaml', line: 1, key: 'volumes2', message: /unsupported/ });
    assertProblem(list, { file: 'compose.yaml', line: 3, key: 'services.web.ports[0]' });
  });
  it('reports a value of the wrong type', async () => {
    assertProblem(await compose(composeWith('    privileged: maybe\n')), { file: 'compose.yaml', line: 4, key: 'services.web.privileged' });
  });
  it('reports a bad port with its list index', async () => {
    assertProblem(await compose(composeWith('    ports:\n      - "80:80"\n      - "99999:80"\n')), {
      file: 'compose.yaml',
      line: 6,
      key: 'services.web.ports[1]',
      message: /host port/,
    });
  });
  it('reports a missing image at the service', async () => {
    assertProblem(await compose('services:\n  web:\n    restart: always\n'), { file: 'compose.yaml', line: 2, key: 'services.web', message: /image or build is required/ });
  });
  it('reports a depends_on cycle', async () => {
    const list = await compose('services:\n  a: { image: x, depends_on: [b] }\n  b: { image: x, depends_on: [a] }\n');
    assertProblem(list, { file: 'compose.yaml', line: 2, key: 'services.a.depends_on', message: /cycle: a -> b -> a/ });
  });
  it('reports a depends_on target that does not exist', async () => {
    assertProblem(await compose(composeWith('    depends_on: [ghost]\n')), { file: 'compose.yaml', line: 4, key: 'services.web.depends_on.ghost', message: /does not exist/ });
  });
  it('reports an invalid service name', async () => {
    assertProblem(await compose('services:\n  "-bad": { image: x }\n'), { file: 'compose.yaml', line: 2, key: 'services.-bad', message: /not a valid service name/ });
  });
  it('reports undeclared volumes and networks', async () => {
    const list = await compose(composeWith('    volumes: ["data:/data"]\n    networks: [back]\n'));
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'services.web.volumes[0]', message: /not declared/ });
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.networks.back', message: /not declared/ });
  });
  it('reports two services binding the same host port', async () => {
    const list = await compose('services:\n  a: { image: x, ports: ["8080:80"] }\n  b:\n    image: x\n    ports: ["127.0.0.1:8080:81"]\n');
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.b.ports[0]', message: /already bound by service "a"/ });
  });
  it('reports two containers with the same name', async () => {
    const list = await compose('services:\n  a: { image: x, container_name: same }\n  b: { image: x, container_name: same }\n');
    assertProblem(list, { file: 'compose.yaml', line: 3, key: 'services.b.container_name', message: /also used/ });
  });
  it('refuses start-first with a fixed host port', async () => {
    const list = await compose(composeWith('    ports: ["80:80"]\n    x-moor: { update: start-first }\n'));
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.x-moor.update', message: /fixed host port/ });
  });
  it('refuses start-first with a fixed network address', async () => {
    const file = 'services:\n  web:\n    image: x\n    networks: { back: { ipv4_address: 172.30.0.5 } }\n    x-moor: { update: start-first }\nnetworks:\n  back: { ipam: { config: [{ subnet: 172.30.0.0/24 }] } }\n';
    assertProblem(await compose(file), { file: 'compose.yaml', line: 5, key: 'services.web.x-moor.update', message: /ipv4_address/ });
  });
  it('refuses a relative bind source that leaves the project directory, and ~', async () => {
    assertProblem(await compose(composeWith('    volumes: ["../data:/data"]\n')), { file: 'compose.yaml', line: 4, key: 'services.web.volumes[0]', message: /leaves the project directory/ });
    assertProblem(await compose(composeWith('    volumes: ["~/data:/data"]\n')), { file: 'compose.yaml', line: 4, key: 'services.web.volumes[0]', message: /home directory/ });
  });
  it('refuses both network_mode and networks', async () => {
    assertProblem(await compose(composeWith('    network_mode: host\n    networks: [default]\n')), { file: 'compose.yaml', line: 5, key: 'services.web.networks' });
  });
  it('reports an invalid duration and size', async () => {
    const list = await compose(composeWith('    stop_grace_period: soon\n    mem_limit: lots\n'));
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'services.web.stop_grace_period', message: /duration/ });
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.mem_limit', message: /size/ });
  });
  it('locates a problem in the override file that introduced it', async () => {
    const list = await problems({
      'moor.yaml': 'compose: [a.yaml, b.yaml]\n',
      'a.yaml': 'services:\n  web: { image: x }\n',
      'b.yaml': '# override\nservices:\n  web:\n    restart: sometimes\n',
    });
    assertProblem(list, { file: 'b.yaml', line: 4, key: 'services.web.restart' });
  });
  it('reports a missing compose file named in moor.yaml', async () => {
    assertProblem(await problems({ 'moor.yaml': 'compose:\n  - nope.yaml\n' }), { file: 'moor.yaml', line: 2, key: 'compose[0]', message: /does not exist/ });
  });
  it('reports env_file problems: missing, escaping, and bad lines in the env file itself', async () => {
    const list = await problems({
      'compose.yaml': 'services:\n  web:\n    image: x\n    env_file: [missing.env, ../outside.env, ok.env]\n',
      'ok.env': 'A=1\nnot a pair\n',
    });
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'services.web.env_file[0]', message: /not found/ });
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'services.web.env_file[1]', message: /\.\./ });
    assertProblem(list, { file: 'ok.env', line: 2, key: '' });
  });
});

describe('policy refusals', () => {
  it('refuses privileged containers unless allowed', async () => {
    const text = composeWith('    privileged: true\n');
    assertProblem(await compose(text), { file: 'compose.yaml', line: 4, key: 'services.web.privileged', message: /policy/ });
    assert.deepEqual(await problems({ 'compose.yaml': text }, { ...POLICY, allowPrivileged: true }), []);
  });
  it('refuses cap_add ALL and SYS_ADMIN unless privileged is allowed', async () => {
    const list = await compose(composeWith('    cap_add: [KILL, ALL, cap_sys_admin]\n'));
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'services.web.cap_add[1]', message: /ALL/ });
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'services.web.cap_add[2]', message: /SYS_ADMIN/ });
    assert.equal(list.length, 2);
  });
  it('refuses bind mounts of /, /etc and the docker socket outside allowed roots', async () => {
    const list = await compose(
      composeWith('    volumes:\n      - /:/host\n      - /etc:/etc2\n      - /var/run/docker.sock:/var/run/docker.sock\n      - /srv/app:/app\n'),
    );
    for (const [i, line] of [[0, 5], [1, 6], [2, 7]] as const) {
      assertProblem(list, { file: 'compose.yaml', line, key: `services.web.volumes[${i}]`, message: /outside the allowed roots/ });
    }
    assert.equal(list.length, 3);
  });
  it('refuses .. tricks in bind sources even when they resolve inside a root', async () => {
    const list = await compose(composeWith('    volumes:\n      - type: bind\n        source: /srv/../etc\n        target: /x\n'));
    assertProblem(list, { file: 'compose.yaml', line: 6, key: 'services.web.volumes[0].source', message: /\.\./ });
  });
  it('refuses devices outside the allowed roots and allows host networking', async () => {
    const list = await compose(composeWith('    network_mode: host\n    devices: [/dev/mem]\n'));
    assertProblem(list, { file: 'compose.yaml', line: 5, key: 'services.web.devices[0]', message: /device \/dev\/mem/ });
    assert.equal(list.length, 1);
  });
});

describe('hostile files', () => {
  it('refuses an alias bomb', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [*${'abcdefghij'[i - 1]},*${'abcdefghij'[i - 1]},*${'abcdefghij'[i - 1]},*${'abcdefghij'[i - 1]},*${'abcdefghij'[i - 1]},*${'abcdefghij'[i - 1]},*${'abcdefghij'[i - 1]},*${'abcdefghij'[i - 1]},*${'abcdefghij'[i - 1]}]`);
    const list = await problems({ 'compose.yaml': `x-bomb:\n${bomb.map((l) => '  ' + l).join('\n')}\nservices: {}\n` });
    assertProblem(list, { file: 'compose.yaml', line: 1, key: '', message: /alias/ });
  });
  it('refuses a file larger than 1 MiB', async () => {
    const list = await problems({ 'compose.yaml': `# ${'x'.repeat(1024 * 1024)}\nservices: {}\n` });
    assertProblem(list, { file: 'compose.yaml', line: 1, key: '', message: /larger than/ });
  });
  it('refuses flow nesting deeper than 64 levels without crashing the parser', async () => {
    const depth = 100_000;
    const list = await problems({ 'compose.yaml': `services: ${'['.repeat(depth)}${']'.repeat(depth)}\n` });
    assertProblem(list, { file: 'compose.yaml', line: 1, key: '', message: /nesting deeper than 64/ });
  });
  it('refuses block nesting deeper than 64 levels', async () => {
    const lines = Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i)}k${i}:`);
    const list = await problems({ 'compose.yaml': `${lines.join('\n')} 1\n` });
    assertProblem(list, { file: 'compose.yaml', line: 65, key: '', message: /nesting/ });
  });
  it('reports duplicate keys with their line', async () => {
    assertProblem(await compose('services:\n  web: { image: x }\n  web: { image: y }\n'), { file: 'compose.yaml', line: 3, key: '', message: /duplicate key/ });
  });
  it('reports YAML syntax errors with their line', async () => {
    assertProblem(await compose('services:\n  web:\n    image: [unclosed\n'), { file: 'compose.yaml', line: 4, key: '', message: /YAML syntax error/ });
  });
});

describe('loading', () => {
  it('throws InvalidConfigError with every problem of every file, handled as a commit failure', async () => {
    const dir = await configDir({ 'compose.yaml': composeWith('    bogus: 1\n'), 'moor.yaml': 'nonsense: true\n' });
    await assert.rejects(loadDesiredState(dir, { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR }), (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError);
      assert.equal(err.handling, 'commit');
      assert.deepEqual(err.problems.map((p) => `${p.file}:${p.line}:${p.key}`).sort(), ['compose.yaml:4:services.web.bogus', 'moor.yaml:1:nonsense']);
      return true;
    });
  });
  it('loads a valid dir without problems', async () => {
    const state = await load({ 'compose.yaml': composeWith('') });
    assert.equal(state.containers.length, 1);
  });
});

describe('config dir', () => {
  it('reports a config dir that does not exist instead of throwing a raw error', async () => {
    const list = await loadDesiredState('/nonexistent/moor-config', { policy: POLICY, projectsDir: DEFAULT_PROJECTS_DIR }).catch((err: unknown) => err);
    assert.ok(list instanceof InvalidConfigError);
    assert.match(list.message, /cannot be read/);
  });
  it('takes environment entries written without a value from .env, and leaves them out with a warning when unset', async () => {
    const state = await load({ '.env': 'MODE=edge\n', 'compose.yaml': composeWith('    environment: [MODE]\n') });
    assert.deepEqual(state.containers[0]?.env, { MODE: 'edge' });
    const { state: unset, warnings } = await loadWarned({ 'compose.yaml': composeWith('    environment: [UNSET]\n') });
    assert.deepEqual(unset.containers[0]?.env, {});
    assertProblem(warnings, { file: 'compose.yaml', line: 4, key: 'services.web.environment[0]', message: /not set in \.env/ });
  });
});
