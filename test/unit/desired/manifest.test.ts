import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertProblem, load, POLICY, problems } from './fixtures.js';

describe('moor.yaml manifest', () => {
  it('reads units with their files and drop-ins', async () => {
    const state = await load({
      'moor.yaml': `units:
  - { name: telegraf.service, enabled: true, state: running }
  - { name: bluetooth.service, state: stopped, mask: true }
`,
      'units/telegraf.service': '[Service]\nExecStart=/usr/bin/telegraf\n',
      'units/telegraf.service.d/10-env.conf': '[Service]\nEnvironment=A=1\n',
    }, { ...POLICY, units: { install: 'own', dropInsFor: [], maskOrStop: ['bluetooth.service'] } });
    assert.deepEqual(
      state.units.map((u) => [u.name, u.content !== null, Object.keys(u.dropIns), u.enabled, u.state, u.mask, u.onChange]),
      [
        ['bluetooth.service', false, [], null, 'stopped', true, 'restart'],
        ['telegraf.service', true, ['10-env.conf'], true, 'running', false, 'restart'],
      ],
    );
    assert.match(state.units[1]?.hash ?? '', /^[0-9a-f]{64}$/);
  });

  it('installs unit files found under units/ even when moor.yaml does not list them', async () => {
    const state = await load({ 'units/backup.timer': '[Timer]\nOnCalendar=daily\n' });
    assert.deepEqual(state.units.map((u) => [u.name, u.enabled, u.state]), [['backup.timer', null, null]]);
  });

  it('refuses bad unit names', async () => {
    const list = await problems({
      'moor.yaml': 'units:\n  - name: ../../etc/evil.service\n  - name: "two words.service"\n  - name: tool.exe\n',
    });
    assertProblem(list, { file: 'moor.yaml', line: 2, key: 'units[0].name', message: /not a valid unit name/ });
    assertProblem(list, { file: 'moor.yaml', line: 3, key: 'units[1].name', message: /not a valid unit name/ });
    assertProblem(list, { file: 'moor.yaml', line: 4, key: 'units[2].name', message: /must end with/ });
  });

  it('reports badly named files under units/', async () => {
    assertProblem(await problems({ 'units/notes.txt': 'x' }), { file: 'units/notes.txt', line: 1, key: '', message: /must end with/ });
  });

  it('reads managed files with mode, owner and restarts', async () => {
    const state = await load({
      'moor.yaml': `units:
  - { name: telegraf.service }
files:
  - { path: /etc/moor-files/telegraf.conf, source: files/telegraf.conf, mode: "0600", owner: root, group: 0, restarts: [telegraf.service] }
`,
      'units/telegraf.service': '[Service]\n',
      'files/telegraf.conf': 'interval = "10s"\n',
    });
    const file = state.files[0];
    assert.equal(file?.mode, 0o600);
    assert.equal(file?.group, '0');
    assert.equal(Buffer.from(file?.contentBase64 ?? '', 'base64').toString(), 'interval = "10s"\n');
    assert.deepEqual(file?.restarts, ['telegraf.service']);
  });

  it('refuses traversal in files.source', async () => {
    const list = await problems({ 'moor.yaml': 'files:\n  - path: /etc/moor-files/x\n    source: files/../../etc/shadow\n' });
    assertProblem(list, { file: 'moor.yaml', line: 3, key: 'files[0].source', message: /\.\./ });
  });

  it('refuses an absolute files.source', async () => {
    const list = await problems({ 'moor.yaml': 'files:\n  - { path: /etc/moor-files/x, source: /etc/shadow }\n' });
    assertProblem(list, { file: 'moor.yaml', line: 2, key: 'files[0].source', message: /relative/ });
  });

  it('refuses a source that is a symlink pointing outside the config dir', async () => {
    const list = await problems({
      'moor.yaml': 'files:\n  - path: /etc/moor-files/x\n    source: files/link\n',
      'files/link': { symlink: '/etc/hostname' },
    });
    assertProblem(list, { file: 'moor.yaml', line: 3, key: 'files[0].source', message: /symlink pointing outside/ });
  });

  it('accepts a symlink that stays inside the config dir', async () => {
    const state = await load({
      'moor.yaml': 'files:\n  - { path: /etc/moor-files/x, source: files/link }\n',
      'files/real.conf': 'ok\n',
      'files/link': { symlink: 'real.conf' },
    });
    assert.equal(state.files.length, 1);
  });

  it('refuses file paths outside allowedFileRoots, relative or with ..', async () => {
    const list = await problems({
      'moor.yaml': `files:
  - { path: /etc/passwd, source: a }
  - { path: etc/x, source: a }
  - { path: /etc/moor-files/../passwd, source: a }
`,
      a: 'x',
    });
    assertProblem(list, { file: 'moor.yaml', line: 2, key: 'files[0].path', message: /outside the allowed roots/ });
    assertProblem(list, { file: 'moor.yaml', line: 3, key: 'files[1].path', message: /not an absolute path/ });
    assertProblem(list, { file: 'moor.yaml', line: 4, key: 'files[2].path', message: /\.\./ });
  });

  it('requires restarts to name declared units', async () => {
    const list = await problems({ 'moor.yaml': 'files:\n  - { path: /etc/moor-files/x, source: a, restarts: [ghost.service] }\n', a: 'x' });
    assertProblem(list, { file: 'moor.yaml', line: 2, key: 'files[0].restarts', message: /ghost.service/ });
  });

  it('requires the mode to be a quoted octal string', async () => {
    const list = await problems({ 'moor.yaml': 'files:\n  - { path: /etc/moor-files/x, source: a, mode: 644 }\n', a: 'x' });
    assertProblem(list, { file: 'moor.yaml', line: 2, key: 'files[0].mode' });
  });

  it('reads rollout, window and prune', async () => {
    const state = await load({
      'moor.yaml': 'rollout: { healthTimeout: 2m, rollback: false }\nwindow: { schedule: "0 2 * * *", duration: 2h }\nprune: { volumes: true }\n',
    });
    assert.deepEqual(state.rollout, { healthTimeoutMs: 120_000, rollback: false });
    assert.deepEqual(state.window, { schedule: '0 2 * * *', durationMs: 7_200_000 });
    assert.equal(state.pruneVolumes, true);
  });

  it('refuses an invalid cron schedule and unknown keys', async () => {
    const list = await problems({ 'moor.yaml': 'window:\n  schedule: "every night"\n  duration: 2h\nrollout: { healthTimeout: 90s, retries: 3 }\n' });
    assertProblem(list, { file: 'moor.yaml', line: 2, key: 'window.schedule', message: /cron/ });
    assertProblem(list, { file: 'moor.yaml', line: 4, key: 'rollout.retries', message: /unsupported key/ });
  });

  it('refuses setuid, setgid and sticky modes unless the policy allows privilege', async () => {
    const files = { 'moor.yaml': 'files:\n  - { path: /etc/moor-files/tool, source: a, mode: "4755" }\n', a: 'x' };
    assertProblem(await problems(files), { file: 'moor.yaml', line: 2, key: 'files[0].mode', message: /setuid.*policy\.allowPrivileged/ });
    assert.deepEqual(await problems(files, { ...POLICY, allowPrivileged: true }), []);
  });

  it('lets a wider policy allow other file roots', async () => {
    const files = { 'moor.yaml': 'files:\n  - { path: /opt/app/x.conf, source: a }\n', a: 'x' };
    assert.equal((await problems(files)).length, 1);
    assert.deepEqual(await problems(files, { ...POLICY, allowedFileRoots: ['/opt/app'] }), []);
  });
});
