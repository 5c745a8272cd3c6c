// Unit files checked by the real systemd-analyze: what systemd would ignore or refuse is a
// config problem with file and line, before anything is installed.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseVerifyOutput, verifyUnitFiles } from '../../../agent/executors/systemd/verify-units.js';
import { unit } from '../../unit/planner/units-fixtures.js';

const hasTool = ((): boolean => {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('systemd-analyze verify of unit files', { skip: hasTool ? false : 'systemd-analyze is not installed' }, () => {
  it('reports unknown keys and unparsable values with their file and line', async () => {
    const bad = unit('bad.service', { content: '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\nFrobnicate=yes\nRestart=sometimes\n' });
    const problems = await verifyUnitFiles([bad]);
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}: ${p.key}`),
      ['units/bad.service:5: bad.service', 'units/bad.service:6: bad.service'],
    );
    assert.match(problems[0]?.message ?? '', /Frobnicate/);
  });

  it('reports a unit systemd would refuse to load', async () => {
    const problems = await verifyUnitFiles([unit('empty.service', { content: '[Service]\nType=oneshot\n' })]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /no ExecStart/);
  });

  it('reports problems in drop-ins under their own file name', async () => {
    const u = unit('web.service', { content: '[Service]\nExecStart=/bin/true\n', dropIns: { 'limits.conf': '[Service]\nMemoryMaxx=1G\n' } });
    const problems = await verifyUnitFiles([u]);
    assert.deepEqual(problems.map((p) => `${p.file}:${p.line}`), ['units/web.service.d/limits.conf:2']);
  });

  it('accepts good units and ignores units the host already has', async () => {
    const good = unit('good.service', { content: '[Unit]\nDescription=good\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n' });
    assert.deepEqual(await verifyUnitFiles([good, unit('ssh.service', { content: null })]), []);
  });
});

describe('reading systemd-analyze output', () => {
  it('keeps only lines about the verified units', () => {
    const out = [
      '/tmp/d/a.service:3: Unknown key name, ignoring.',
      'other.service: Service has no ExecStart=. Refusing.',
      'a.service: Service has no ExecStart=. Refusing.',
      'Unit a.service has a bad unit file setting.',
      'Failed to connect to bus: nothing',
    ].join('\n');
    assert.deepEqual(
      parseVerifyOutput(out, '/tmp/d', new Set(['a.service'])).map((p) => `${p.file}:${p.line}`),
      ['units/a.service:3', 'units/a.service:1'],
    );
  });
});
