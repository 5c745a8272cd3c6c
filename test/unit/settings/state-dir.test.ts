import assert from 'node:assert/strict';
import { chmod, chown, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ensureStateDir, StateDirError } from '../../../agent/state-dir.js';
import { StateLock } from '../../../agent/state-lock.js';

const fresh = (): Promise<string> => mkdtemp(path.join(tmpdir(), 'moor-state-'));

describe('the state dir', () => {
  it('is created 0700 when missing', async () => {
    const dir = path.join(await fresh(), 'state');
    ensureStateDir(dir);
  });
  it('is refused when writable by others (0777), with the chmod that fixes it', async () => {
    const dir = await fresh();
    await chmod(dir, 0o777);
    assert.throws(() => ensureStateDir(dir), (err: unknown) => err instanceof StateDirError && err.message.includes(`chmod 700 ${dir}`));
    // Not even the lock file is written into it.
    assert.throws(() => StateLock.acquire(dir), StateDirError);
  });
  it('is refused when writable by its group', async () => {
    const dir = await fresh();
    await chmod(dir, 0o770);
    assert.throws(() => ensureStateDir(dir), /writable by its group.*chmod 700/);
  });
  it('is refused when owned by another user, with the chown that fixes it', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const dir = await fresh();
    await chown(dir, 4242, 4242);
    assert.throws(() => ensureStateDir(dir), /owned by uid 4242.*chown/);
  });
});
