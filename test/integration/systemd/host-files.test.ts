// The files adapter on the real filesystem: atomic writes with mode, creation of folders, and
// refusal of paths outside the allowed roots even when a plan asks (defence in depth).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { specHash } from '../../../agent/desired/hash.js';
import type { FileSpec } from '../../../agent/desired/model.js';
import { MoorError } from '../../../agent/contracts/errors.js';
import { HostFiles } from '../../../agent/executors/files/host-files.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moor-files-'));
const root = path.join(tmp, 'managed');
const files = new HostFiles({ allowedFileRoots: [root] });

function spec(p: string, content: string, mode = 0o640): FileSpec {
  const f: FileSpec = { path: p, source: 'files/x', contentBase64: Buffer.from(content).toString('base64'), mode, owner: null, group: null, restarts: [], hash: '' };
  return { ...f, hash: specHash(f) };
}

const refused = (err: unknown): boolean => err instanceof MoorError && err.code === 'FILE_PATH_REFUSED' && err.handling === 'commit';

describe('files adapter', () => {
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes a file with its mode, creating the folders, and leaves no temp file', async () => {
    const target = path.join(root, 'a/b/c.conf');
    await files.write(spec(target, 'x=1\n', 0o600));
    assert.equal(fs.readFileSync(target, 'utf8'), 'x=1\n');
    assert.equal(fs.statSync(target).mode & 0o7777, 0o600);
    assert.deepEqual(fs.readdirSync(path.dirname(target)), ['c.conf']);
    const [seen] = await files.files([target]);
    assert.equal(seen?.mode, 0o600);
    assert.match(seen?.hash ?? '', /^[0-9a-f]{64}$/);
  });

  it('replaces a file in one rename, keeping the inode of readers holding the old one apart', async () => {
    const target = path.join(root, 'swap.conf');
    await files.write(spec(target, 'old\n'));
    const held = fs.openSync(target, 'r');
    await files.write(spec(target, 'new\n'));
    assert.equal(fs.readFileSync(held, 'utf8'), 'old\n');
    fs.closeSync(held);
    assert.equal(fs.readFileSync(target, 'utf8'), 'new\n');
  });

  it('writes the declared owner and reports owner and group by name, to notice a chown by hand', async () => {
    const target = path.join(root, 'owned.conf');
    await files.write({ ...spec(target, 'x=1\n'), owner: 'nobody', group: 'nogroup' });
    assert.equal(fs.statSync(target).uid, 65534);
    const [seen] = await files.files([target]);
    assert.deepEqual([seen?.owner, seen?.group, seen?.uid], ['nobody', 'nogroup', 65534]);
    fs.chownSync(target, 0, 0);
    const [after] = await files.files([target]);
    assert.deepEqual([after?.owner, after?.group], ['root', 'root']);
  });

  it('refuses paths outside the allowed roots, with .. or through a symlinked folder', async () => {
    await assert.rejects(files.write(spec(path.join(tmp, 'outside.conf'), 'x')), refused);
    await assert.rejects(files.write(spec(`${root}/../outside.conf`, 'x')), refused);
    fs.symlinkSync(tmp, path.join(root, 'escape'));
    await assert.rejects(files.write(spec(path.join(root, 'escape/outside.conf'), 'x')), refused);
    await assert.rejects(files.remove(path.join(tmp, 'outside.conf')), refused);
    assert.equal(fs.existsSync(path.join(tmp, 'outside.conf')), false);
  });

  it('removes a file, and a missing one is not an error', async () => {
    const target = path.join(root, 'gone.conf');
    await files.write(spec(target, 'x'));
    await files.remove(target);
    await files.remove(target);
    const [seen] = await files.files([target]);
    assert.deepEqual(seen, { path: target, hash: null, mode: null });
  });
});
