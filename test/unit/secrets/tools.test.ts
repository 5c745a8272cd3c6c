// The small pure parts of the secrets module: label selectors over hosts/*.yaml, placeholders,
// and the tmpfs check of the secrets dir.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { selectHosts, type FleetHost } from '../../../agent/secrets/fleet-hosts.js';
import { placeholder, placeholderPaths, reveal } from '../../../agent/secrets/placeholders.js';
import { createSecretDir } from '../../../agent/secrets/secret-dir.js';

const HOSTS: FleetHost[] = [
  { name: 'db-berlin', labels: { role: 'db', site: 'berlin' }, recipient: null },
  { name: 'db-paris', labels: { role: 'db', site: 'paris', gpu: 'yes' }, recipient: null },
  { name: 'cam-rome', labels: { role: 'camera', site: 'rome' }, recipient: null },
];
const names = (sel: string): string[] => selectHosts(HOSTS, sel).map((h) => h.name);

describe('selectors', () => {
  it('pick a host by name before reading a selector', () => assert.deepEqual(names('cam-rome'), ['cam-rome']));
  it('match equality, inequality, sets and presence', () => {
    assert.deepEqual(names('role=db'), ['db-berlin', 'db-paris']);
    assert.deepEqual(names('role=db,site!=paris'), ['db-berlin']);
    assert.deepEqual(names('site in (berlin, rome)'), ['db-berlin', 'cam-rome']);
    assert.deepEqual(names('role=db,site notin (berlin)'), ['db-paris']);
    assert.deepEqual(names('gpu'), ['db-paris']);
    assert.deepEqual(names('!gpu,role=db'), ['db-berlin']);
    assert.deepEqual(names('{}'), ['db-berlin', 'db-paris', 'cam-rome']);
  });
  it('refuse what is neither a host nor a selector', () => assert.throws(() => names('role=db,,('), /neither a host/));
});

describe('placeholders', () => {
  it('carry the name and a keyed hash, and are revealed only with the values', () => {
    const p = placeholder('DB_PASSWORD', 'ab'.repeat(32));
    const text = `pg://app:${p}@db`;
    assert.equal(reveal(text, new Map([['DB_PASSWORD', 'hunter2']])), 'pg://app:hunter2@db');
    assert.deepEqual(placeholderPaths({ env: { URL: text }, command: ['x', p], image: 'busybox' }), [['env', 'URL'], ['command', 1]]);
  });
});

describe('the secrets dir', () => {
  it('refuses a directory that is not on a tmpfs', async () => {
    // The build folder is on the worktree's disk (/tmp may be a tmpfs on some machines).
    const disk = await mkdtemp(join(process.cwd(), '.moor-not-tmpfs-'));
    try {
      const dir = createSecretDir({ dir: disk });
      await assert.rejects(dir.write(dir.pathOf('p', 'db', 'f'.repeat(64)), Buffer.from('x'), { uid: null, gid: null, mode: 0o400 }), { code: 'SECRETS_DIR' });
    } finally {
      await rm(disk, { recursive: true });
    }
  });
  it('writes to a tmpfs with the mode asked for, under a name that follows the content', async () => {
    const shm = await mkdtemp('/dev/shm/moor-unit-');
    const dir = createSecretDir({ dir: shm });
    const path = dir.pathOf('shop', 'db', '0123456789abcdef'.repeat(4));
    assert.equal(path, join(shm, 'shop', 'db-0123456789abcdef'));
    await dir.write(path, Buffer.from('pw'), { uid: null, gid: null, mode: 0o440 });
    assert.equal((await stat(path)).mode & 0o777, 0o440);
    assert.equal(await readFile(path, 'utf8'), 'pw');
    await rm(shm, { recursive: true });
  });
  it('keeps the current and the previous version of a secret, and deletes older ones', async () => {
    const shm = await mkdtemp('/dev/shm/moor-unit-');
    const dir = createSecretDir({ dir: shm });
    const write = async (name: string, hash: string): Promise<void> => {
      await dir.write(dir.pathOf('shop', name, hash.repeat(16)), Buffer.from(hash), { uid: null, gid: null, mode: 0o400 });
      await new Promise((r) => setTimeout(r, 15)); // distinct mtimes
    };
    for (const h of ['a', 'b', 'c']) await write('db', h);
    await write('db-admin', 'd');
    await write('db', 'b'); // a rollback to b: b is current again, c the previous
    assert.deepEqual((await readdir(join(shm, 'shop'))).sort(), ['db-admin-dddddddddddddddd', 'db-bbbbbbbbbbbbbbbb', 'db-cccccccccccccccc']);
    await rm(shm, { recursive: true });
  });
});

describe('explaining a replace against a stored spec', () => {
  it('does not call a secret changed because its stored value is redacted, yet says a secret changed when nothing else did', async () => {
    const { diffContainerSpecs } = await import('../../../agent/planner/diff.js');
    const { container } = await import('../planner/fixtures.js');
    const stored = { ...container('web'), env: { TOKEN: '(redacted)', MODE: 'a' }, secretEnv: ['TOKEN'] };
    const next = { ...container('web'), env: { TOKEN: 'clear', MODE: 'b' }, secretEnv: ['TOKEN'] };
    assert.deepEqual(diffContainerSpecs(stored, next).map((f) => f.field), ['env.MODE']);
    assert.deepEqual(diffContainerSpecs(stored, { ...next, env: { TOKEN: 'clear', MODE: 'a' } }), [{ field: 'env', from: '(redacted)', to: '(redacted)' }]);
  });
});
