// The project directories adapter on a real temp folder: placement, the record beside the
// directory, data directories, and refusal to write through a symlink planted in it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256Hex } from '../../../agent/desired/hash.js';
import type { ProjectFileSpec } from '../../../agent/desired/model.js';
import { createProjectDirs, ProjectDirError } from '../../../agent/executors/files/project-dirs.js';

const root = fs.mkdtempSync(join(tmpdir(), 'moor-projdirs-'));
const dir = join(root, 'projects', 'app');
const port = createProjectDirs();

function file(rel: string, text: string): ProjectFileSpec {
  return { rel, contentBase64: Buffer.from(text).toString('base64'), mode: 0o755, hash: sha256Hex(text) };
}

describe('project directories on disk', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('places a file with its mode, records it beside the directory, and sees both', async () => {
    const f = file('config/run.sh', 'echo hi\n');
    await port.place(dir, f);
    await port.record(dir, { [f.rel]: f.hash });
    await port.createDataDir(dir, 'data/db');
    assert.equal(fs.readFileSync(join(dir, 'config/run.sh'), 'utf8'), 'echo hi\n');
    assert.equal(fs.statSync(join(dir, 'config/run.sh')).mode & 0o777, 0o755);
    assert.ok(fs.existsSync(join(root, 'projects', 'app.moor-placed.json')));
    const [seen] = await port.observe([{ project: 'app', dir, files: [f], dataDirs: ['data/db', 'logs'] }]);
    assert.deepEqual(seen, { dir, placed: { [f.rel]: f.hash }, onDisk: { [f.rel]: f.hash }, dataDirs: ['data/db'] });
  });

  it('removes a placed file and leaves data alone', async () => {
    fs.writeFileSync(join(dir, 'data/db/rows'), 'precious');
    await port.remove(dir, 'config/run.sh');
    await port.remove(dir, 'config/run.sh');
    assert.ok(!fs.existsSync(join(dir, 'config/run.sh')));
    assert.equal(fs.readFileSync(join(dir, 'data/db/rows'), 'utf8'), 'precious');
  });

  it('refuses to write through a symlink a container planted in the directory', async () => {
    const outside = join(root, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, join(dir, 'evil'));
    await assert.rejects(port.place(dir, file('evil/passwd', 'x')), (err: unknown) => err instanceof ProjectDirError && err.code === 'PROJECT_PATH_OUTSIDE');
    await assert.rejects(port.createDataDir(dir, 'evil/sub'), (err: unknown) => err instanceof ProjectDirError);
    await assert.rejects(port.place(dir, file('evil/a/b/c', 'x')), (err: unknown) => err instanceof ProjectDirError);
    assert.deepEqual(fs.readdirSync(outside), []);
  });
});
