// The project directory's content for a commit: files of the commit that binds use (hashed into
// the containers), and data directories for bind sources the commit does not hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex } from '../../../agent/desired/hash.js';
import { load, loadWarned, problems } from './fixtures.js';

const COMPOSE = [
  'name: app',
  'services:',
  '  mqtt:',
  '    image: eclipse-mosquitto',
  '    volumes:',
  '      - ./config/mosquitto.conf:/mosquitto/config/mosquitto.conf:ro',
  '      - ./scripts:/scripts',
  '      - ./data:/mosquitto/data',
  '  web:',
  '    image: nginx',
].join('\n');

describe('project directory content', () => {
  it('places the files a bind holds, and makes data directories of the sources the commit lacks', async () => {
    const state = await load({ 'compose.yaml': COMPOSE, 'config/mosquitto.conf': 'listener 1883\n', 'scripts/a.sh': 'echo a\n', 'scripts/b/c.txt': 'c\n' });
    assert.equal(state.projectDirs?.length, 1);
    const dir = state.projectDirs?.[0];
    assert.equal(dir?.project, 'app');
    assert.match(dir?.dir ?? '', /\/app$/);
    assert.deepEqual(dir?.files.map((f) => [f.rel, f.hash]), [
      ['config/mosquitto.conf', sha256Hex('listener 1883\n')],
      ['scripts/a.sh', sha256Hex('echo a\n')],
      ['scripts/b/c.txt', sha256Hex('c\n')],
    ]);
    assert.deepEqual(dir?.dataDirs, ['data']);
    const mqtt = state.containers.find((c) => c.service === 'mqtt');
    assert.deepEqual(Object.keys(mqtt?.mountContent ?? {}), ['config/mosquitto.conf', 'scripts']);
    assert.equal(state.containers.find((c) => c.service === 'web')?.mountContent, undefined);
  });

  it('changes the hash of the container that binds a file when, and only when, its content changes', async () => {
    const base = { 'compose.yaml': COMPOSE, 'scripts/a.sh': 'echo a\n' };
    const hashOf = async (files: Record<string, string>, service: string): Promise<string | undefined> =>
      (await load(files)).containers.find((c) => c.service === service)?.hash;
    const v1 = await hashOf({ ...base, 'config/mosquitto.conf': 'listener 1883\n' }, 'mqtt');
    assert.equal(await hashOf({ ...base, 'config/mosquitto.conf': 'listener 1883\n', 'README.md': 'unrelated\n' }, 'mqtt'), v1);
    assert.notEqual(await hashOf({ ...base, 'config/mosquitto.conf': 'listener 1884\n' }, 'mqtt'), v1);
    assert.equal(
      await hashOf({ ...base, 'config/mosquitto.conf': 'listener 1883\n' }, 'web'),
      await hashOf({ ...base, 'config/mosquitto.conf': 'listener 1884\n' }, 'web'),
    );
  });

  it('has no project directory without relative binds', async () => {
    const state = await load({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n' });
    assert.equal(state.projectDirs, undefined);
  });
});

describe('build', () => {
  const compose = (build: string, image = ''): string => `name: app\nservices:\n  api:\n${image}    build: ${build}\n`;

  it('tags the image <project>-<service> without image:, and image: when given', async () => {
    const files = { 'api/Dockerfile': 'FROM local/busybox:1\n' };
    assert.equal((await load({ 'compose.yaml': compose('./api'), ...files })).containers[0]?.image, 'app-api');
    assert.equal((await load({ 'compose.yaml': compose('./api', '    image: local/api:7\n'), ...files })).containers[0]?.image, 'local/api:7');
  });

  it('places the context in the project directory and hashes it: a change of the context changes the hash', async () => {
    const a = await load({ 'compose.yaml': compose('{ context: api, args: { V: "1" } }'), 'api/Dockerfile': 'FROM local/busybox:1\n', 'api/run.sh': 'echo 1\n' });
    assert.deepEqual(a.projectDirs?.[0]?.files.map((f) => f.rel), ['api/Dockerfile', 'api/run.sh']);
    assert.equal(a.containers[0]?.build?.context, 'api');
    const b = await load({ 'compose.yaml': compose('{ context: api, args: { V: "1" } }'), 'api/Dockerfile': 'FROM local/busybox:1\n', 'api/run.sh': 'echo 2\n' });
    const c = await load({ 'compose.yaml': compose('{ context: api, args: { V: "2" } }'), 'api/Dockerfile': 'FROM local/busybox:1\n', 'api/run.sh': 'echo 1\n' });
    assert.notEqual(a.containers[0]?.build?.hash, b.containers[0]?.build?.hash);
    assert.notEqual(a.containers[0]?.build?.hash, c.containers[0]?.build?.hash);
    assert.notEqual(a.containers[0]?.hash, b.containers[0]?.hash);
  });

  it('refuses a context outside the config dir and a missing Dockerfile, naming the key', async () => {
    const has = async (files: Record<string, string>, key: string, message: RegExp): Promise<void> => {
      const list = await problems(files);
      assert.ok(list.some((p) => p.file === 'compose.yaml' && p.key === key && message.test(p.message)), JSON.stringify(list));
    };
    await has({ 'compose.yaml': compose('../elsewhere') }, 'services.api.build', /must be a folder inside the config dir/);
    await has({ 'compose.yaml': compose('/srv/api') }, 'services.api.build', /inside the config dir/);
    await has({ 'compose.yaml': compose('./api'), 'api/main.go': 'package main\n' }, 'services.api.build', /api\/Dockerfile does not exist/);
    await has({ 'compose.yaml': compose('{ context: api, dockerfile: ../Dockerfile }'), 'api/x': 'x' }, 'services.api.build.dockerfile', /inside the build context/);
  });

  it('builds a context the commit does not hold from the host, once, with a warning that says so', async () => {
    const { state, warnings } = await loadWarned({ 'compose.yaml': compose('./backend') });
    const build = state.containers[0]?.build;
    assert.equal(build?.hostContext, true);
    assert.deepEqual(state.projectDirs?.map((d) => [d.project, d.files.length]), [['app', 0]]);
    assert.ok(warnings.some((w) => w.key === 'services.api.build' && /not in the config dir/.test(w.message)), JSON.stringify(warnings));
    const again = await loadWarned({ 'compose.yaml': compose('./backend') });
    const otherArgs = await loadWarned({ 'compose.yaml': compose('{ context: backend, args: { V: "2" } }') });
    assert.equal(again.state.containers[0]?.build?.hash, build?.hash);
    assert.notEqual(otherArgs.state.containers[0]?.build?.hash, build?.hash);
  });
});
