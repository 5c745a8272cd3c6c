// The unit planner: installs, one daemon-reload, enable/mask/start/stop/restart, prune, drift.

import assert from 'node:assert/strict';
import { unitFilesHash } from '../../../agent/desired/unit-hash.js';
import { describe, it } from 'node:test';
import { plan } from '../../../agent/planner/plan.js';
import type { Plan, Step } from '../../../agent/planner/steps.js';
import { context, desired, observed } from './fixtures.js';
import { file, installed, onDisk, unit } from './units-fixtures.js';

const kinds = (p: Plan): string[] => p.steps.map((s) => `${s.kind} ${s.resource}`);
const step = (p: Plan, kind: Step['kind'], resource: string): Step | undefined => p.steps.find((s) => s.kind === kind && s.resource === resource);

describe('unit planner', () => {
  it('installs a new unit, reloads systemd once, then enables and starts it', () => {
    const a = unit('a.service');
    const t = unit('t.timer', { content: '[Timer]\nOnActiveSec=1h\n' });
    const p = plan(desired([], { units: [a, t] }), observed([]), context());
    assert.deepEqual(kinds(p).filter((k) => k.startsWith('reloadSystemd')), ['reloadSystemd unit/*']);
    const reload = step(p, 'reloadSystemd', 'unit/*');
    assert.deepEqual(reload?.after.sort(), ['installUnit:unit/a.service', 'installUnit:unit/t.timer']);
    const enable = step(p, 'enableUnit', 'unit/a.service');
    assert.deepEqual(enable?.after, ['reloadSystemd:unit/*']);
    assert.deepEqual(step(p, 'startUnit', 'unit/a.service')?.after, ['enableUnit:unit/a.service']);
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.name} ${c.drift}`), ['create a.service false', 'create t.timer false']);
  });

  it('leaves a oneshot that already ran successfully alone, but runs it again when its file changes', () => {
    const job = unit('job.service', { content: '[Service]\nType=oneshot\nExecStart=/bin/true\n' });
    const done = installed(job, { active: 'inactive', completed: true });
    assert.deepEqual(plan(desired([], { units: [job] }), observed([], { units: [done] }), context()).steps, []);
    const job2 = unit('job.service', { content: '[Service]\nType=oneshot\nExecStart=/bin/echo again\n' });
    const again = plan(desired([], { units: [job2] }), observed([], { units: [done] }), context());
    assert.ok(kinds(again).includes('startUnit unit/job.service'));
  });

  it('compares only the drop-ins of a unit the host already has, whatever its own file is', () => {
    const ssh = unit('ssh.service', { content: null, dropIns: { 'limits.conf': '[Service]\nLimitNOFILE=4096\n' }, enabled: null, state: null });
    const onDisk = installed(ssh, { fileHash: 'f'.repeat(64), dropInHash: unitFilesHash(null, ssh.dropIns) });
    assert.deepEqual(plan(desired([], { units: [ssh] }), observed([], { units: [onDisk] }), context()).steps, []);
    const editedDropIn = installed(ssh, { fileHash: 'f'.repeat(64), dropInHash: 'e'.repeat(64) });
    assert.ok(kinds(plan(desired([], { units: [ssh] }), observed([], { units: [editedDropIn] }), context())).includes('installUnit unit/ssh.service'));
  });

  it('removes only the drop-ins it installed on a host unit no longer declared, then restarts it', () => {
    const ssh = unit('ssh.service', { content: null, dropIns: { 'limits.conf': '[Service]\nLimitNOFILE=4096\n' }, enabled: null, state: null });
    const onDisk = installed(ssh, { fileHash: 'f'.repeat(64), dropInHash: unitFilesHash(null, ssh.dropIns), active: 'active' });
    const p = plan(desired([]), observed([], { units: [onDisk] }), context({ appliedUnits: { 'ssh.service': ssh } }));
    assert.deepEqual(kinds(p), ['removeDropIns unit/ssh.service', 'reloadSystemd unit/*', 'restartUnit unit/ssh.service']);
    const remove = p.steps.find((s) => s.kind === 'removeDropIns');
    assert.ok(remove?.kind === 'removeDropIns' && remove.files.join() === 'limits.conf');
    assert.ok(!kinds(p).some((k) => k.startsWith('removeUnitFile')), 'never the host unit file');
  });

  it('touches nothing when every unit is as declared', () => {
    const a = unit('a.service');
    const p = plan(desired([], { units: [a] }), observed([], { units: [installed(a)] }), context({ appliedUnits: { [a.name]: a } }));
    assert.deepEqual(p.steps, []);
    assert.deepEqual(p.changes, []);
  });

  it('restarts a running unit whose file changed, after the one reload', () => {
    const old = unit('a.service');
    const next = unit('a.service', { content: '[Service]\nExecStart=/bin/sleep 99\n' });
    const p = plan(desired([], { units: [next] }), observed([], { units: [installed(old)] }), context({ appliedUnits: { [old.name]: old } }));
    assert.deepEqual(kinds(p), ['installUnit unit/a.service', 'reloadSystemd unit/*', 'restartUnit unit/a.service']);
    assert.equal(p.changes[0]?.why, 'unit file changed; restart: its files changed');
    assert.equal(p.changes[0]?.drift, false);
  });

  it('restarts a unit when only a drop-in changed, and reloads instead when onChange is reload', () => {
    const old = unit('a.service', { dropIns: { 'x.conf': '[Service]\nEnvironment=A=1\n' } });
    const next = unit('a.service', { dropIns: { 'x.conf': '[Service]\nEnvironment=A=2\n' } });
    const p = plan(desired([], { units: [next] }), observed([], { units: [installed(old)] }), context());
    assert.ok(step(p, 'restartUnit', 'unit/a.service'));
    const reloading = unit('a.service', { dropIns: next.dropIns, onChange: 'reload' });
    const q = plan(desired([], { units: [reloading] }), observed([], { units: [installed(old)] }), context());
    assert.ok(step(q, 'reloadUnit', 'unit/a.service'));
    assert.equal(step(q, 'restartUnit', 'unit/a.service'), undefined);
  });

  it('restarts the units a changed file lists in restarts:, after the file is written', () => {
    const a = unit('a.service');
    const b = unit('b.service');
    const oldConf = file('/etc/moor-files/a.conf', 'x=1\n', { restarts: ['a.service'] });
    const conf = file('/etc/moor-files/a.conf', 'x=2\n', { restarts: ['a.service'] });
    const p = plan(
      desired([], { units: [a, b], files: [conf] }),
      observed([], { units: [installed(a), installed(b)], files: [onDisk(oldConf)] }),
      context(),
    );
    assert.deepEqual(kinds(p), ['writeFile file//etc/moor-files/a.conf', 'restartUnit unit/a.service']);
    assert.deepEqual(step(p, 'restartUnit', 'unit/a.service')?.after, ['writeFile:file//etc/moor-files/a.conf']);
    assert.equal(p.changes.find((c) => c.kind === 'unit')?.why, 'restart: /etc/moor-files/a.conf changed');
  });

  it('does not restart for a file whose mode alone changed', () => {
    const a = unit('a.service');
    const conf = file('/etc/moor-files/a.conf', 'x=1\n', { restarts: ['a.service'], mode: 0o600 });
    const p = plan(desired([], { units: [a], files: [conf] }), observed([], { units: [installed(a)], files: [onDisk(conf, { mode: 0o644 })] }), context());
    assert.deepEqual(kinds(p), ['writeFile file//etc/moor-files/a.conf']);
  });

  it('disables and stops as declared, stopping before masking', () => {
    const host = unit('bluetooth.service', { content: null, enabled: null, state: 'stopped', mask: true });
    const p = plan(desired([], { units: [host] }), observed([], { units: [{ name: 'bluetooth.service', fileHash: null, enabled: true, masked: false, active: 'active' }] }), context());
    assert.deepEqual(kinds(p), ['stopUnit unit/bluetooth.service', 'maskUnit unit/bluetooth.service']);
    assert.deepEqual(step(p, 'maskUnit', 'unit/bluetooth.service')?.after, ['stopUnit:unit/bluetooth.service']);
    const d = unit('a.service', { enabled: false });
    const q = plan(desired([], { units: [d] }), observed([], { units: [installed(d, { enabled: true })] }), context());
    assert.deepEqual(kinds(q), ['disableUnit unit/a.service']);
  });

  it('manages only the declared state of a unit the host already has, and never installs or reloads for it', () => {
    const ssh = unit('ssh.service', { content: null, enabled: true, state: 'running' });
    const p = plan(
      desired([], { units: [ssh] }),
      observed([], { units: [{ name: 'ssh.service', fileHash: 'f'.repeat(64), enabled: true, masked: false, active: 'inactive' }] }),
      context(),
    );
    assert.deepEqual(kinds(p), ['startUnit unit/ssh.service']);
  });

  it('prunes a unit moor installed: stop, disable, remove, reload', () => {
    const gone = unit('old.service');
    const p = plan(desired([]), observed([], { units: [installed(gone)] }), context({ appliedUnits: { [gone.name]: gone } }));
    assert.deepEqual(kinds(p), ['stopUnit unit/old.service', 'disableUnit unit/old.service', 'removeUnitFile unit/old.service', 'reloadSystemd unit/*']);
    assert.deepEqual(step(p, 'removeUnitFile', 'unit/old.service')?.after, ['stopUnit:unit/old.service', 'disableUnit:unit/old.service']);
    assert.equal(p.changes[0]?.why, 'no longer declared');
  });

  it('never prunes a unit the host had, nor anything when prune is off', () => {
    const ssh = unit('ssh.service', { content: null });
    const mine = unit('old.service');
    const units = [installed(ssh, { fileHash: 'f'.repeat(64) }), installed(mine)];
    const p = plan(desired([]), observed([], { units }), context({ appliedUnits: { [ssh.name]: ssh } }));
    assert.deepEqual(p.steps, []);
    const q = plan(desired([]), observed([], { units }), context({ prune: false, appliedUnits: { [mine.name]: mine } }));
    assert.deepEqual(q.steps, []);
  });

  it('flags a unit edited, stopped or disabled by hand as drift', () => {
    const a = unit('a.service');
    const ctx = context({ appliedUnits: { [a.name]: a } });
    const edited = plan(desired([], { units: [a] }), observed([], { units: [installed(a, { fileHash: 'e'.repeat(64), active: 'inactive' })] }), ctx);
    assert.deepEqual(kinds(edited), ['installUnit unit/a.service', 'reloadSystemd unit/*', 'startUnit unit/a.service']);
    assert.equal(edited.changes[0]?.drift, true);
    assert.match(edited.changes[0]?.why ?? '', /unit file edited by hand/);
    const disabled = plan(desired([], { units: [a] }), observed([], { units: [installed(a, { enabled: false })] }), ctx);
    assert.deepEqual(disabled.changes.map((c) => [c.why, c.drift]), [['disabled by hand', true]]);
    const stopped = plan(desired([], { units: [a] }), observed([], { units: [installed(a, { active: 'failed' })] }), ctx);
    assert.deepEqual(stopped.changes.map((c) => [c.action, c.drift]), [['start', true]]);
  });

  it('does not call a change the commit asked for drift', () => {
    const old = unit('a.service', { enabled: true });
    const next = unit('a.service', { enabled: false });
    const p = plan(desired([], { units: [next] }), observed([], { units: [installed(old)] }), context({ appliedUnits: { [old.name]: old } }));
    assert.deepEqual(p.changes.map((c) => [c.why, c.drift]), [['disabled', false]]);
  });
});
