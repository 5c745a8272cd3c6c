// Unit files on the real filesystem: removing the drop-ins moor put on a unit the host has
// leaves the unit's own file and anybody else's drop-ins alone.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UnitFiles } from '../../../agent/executors/systemd/unit-files.js';

describe('drop-ins of a unit the host already has', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-unitdir-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('removes only the named drop-ins, never the unit file', async () => {
    writeFileSync(join(dir, 'ssh.service'), '[Service]\nExecStart=/usr/sbin/sshd -D\n');
    mkdirSync(join(dir, 'ssh.service.d'));
    writeFileSync(join(dir, 'ssh.service.d', 'moor-limits.conf'), '[Service]\nLimitNOFILE=4096\n');
    writeFileSync(join(dir, 'ssh.service.d', 'admin.conf'), '[Service]\nNice=5\n');
    const files = new UnitFiles(dir);
    await files.removeDropIns('ssh.service', ['moor-limits.conf']);
    assert.ok(existsSync(join(dir, 'ssh.service')));
    assert.deepEqual(readdirSync(join(dir, 'ssh.service.d')), ['admin.conf']);
  });

  it('removes the drop-in folder once it is empty', async () => {
    await new UnitFiles(dir).removeDropIns('ssh.service', ['admin.conf']);
    assert.ok(!existsSync(join(dir, 'ssh.service.d')));
    assert.ok(existsSync(join(dir, 'ssh.service')));
  });

  it('refuses a drop-in name that would leave the folder', async () => {
    await assert.rejects(new UnitFiles(dir).removeDropIns('ssh.service', ['../ssh.service']));
    assert.ok(existsSync(join(dir, 'ssh.service')));
  });
});
