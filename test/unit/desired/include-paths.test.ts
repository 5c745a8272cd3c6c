// Relative paths in an included file (and in an `extends` base from another folder) resolve
// against that file's own project directory, as compose-go resolves them, not the main one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rebaseComposePaths, rebasePath } from '../../../agent/desired/compose/rebase.js';
import { DEFAULT_PROJECTS_DIR } from '../../../agent/desired/load.js';
import { assertProblem, load, problems } from './fixtures.js';

const PROJECT = `${DEFAULT_PROJECTS_DIR}/app`;

describe('paths of a file loaded from a subfolder', () => {
  it('move under that folder; absolute, ~ and escaping paths stay as written', () => {
    assert.equal(rebasePath('./conf', 'mqtt'), 'mqtt/conf');
    assert.equal(rebasePath('.', 'mqtt'), 'mqtt');
    assert.equal(rebasePath('../shared/x', 'stacks/mqtt'), 'stacks/shared/x');
    assert.equal(rebasePath('/srv/data', 'mqtt'), '/srv/data');
    assert.equal(rebasePath('~/x', 'mqtt'), '~/x');
    assert.equal(rebasePath('../../x', 'mqtt'), 'mqtt/../../x');
    assert.equal(rebasePath('./conf', ''), './conf');
  });
  it('cover binds, build contexts, env_file, extends.file and secret and config files', () => {
    const tree = rebaseComposePaths(
      {
        services: {
          web: {
            volumes: ['./conf:/etc/x:ro', '.:/src', 'named:/data', '/abs:/abs', { type: 'bind', source: 'data', target: '/d' }, { type: 'volume', source: 'v', target: '/v' }],
            build: { dockerfile: 'Dockerfile.web' },
            env_file: ['app.env', { path: 'more.env', required: false }],
            extends: { service: 'base', file: 'base.yaml' },
          },
          api: { build: './api' },
        },
        secrets: { token: { file: './token.txt' }, other: { environment: 'TOKEN' } },
        configs: { cfg: { file: 'cfg.ini' } },
      },
      'mqtt',
    );
    assert.deepEqual(tree, {
      services: {
        web: {
          volumes: ['./mqtt/conf:/etc/x:ro', './mqtt:/src', 'named:/data', '/abs:/abs', { type: 'bind', source: 'mqtt/data', target: '/d' }, { type: 'volume', source: 'v', target: '/v' }],
          build: { dockerfile: 'Dockerfile.web', context: 'mqtt' },
          env_file: ['mqtt/app.env', { path: 'mqtt/more.env', required: false }],
          extends: { service: 'base', file: 'mqtt/base.yaml' },
        },
        api: { build: 'mqtt/api' },
      },
      secrets: { token: { file: 'mqtt/token.txt' }, other: { environment: 'TOKEN' } },
      configs: { cfg: { file: 'mqtt/cfg.ini' } },
    });
  });
});

describe('include', () => {
  it("resolves an included file's binds and env_file against its own folder", async () => {
    const state = await load({
      'compose.yaml': 'name: app\ninclude: [mqtt/compose.yaml]\nservices:\n  web: { image: x, volumes: ["./conf:/etc/web"] }\n',
      'mqtt/compose.yaml': 'services:\n  broker:\n    image: mosquitto\n    env_file: broker.env\n    volumes: ["./conf:/mosquitto/config:ro", "./data:/mosquitto/data"]\n',
      'mqtt/broker.env': 'LEVEL=debug\n',
      'mqtt/conf/mosquitto.conf': 'listener 1883\n',
      'conf/web.conf': 'x\n',
    });
    const by = new Map(state.containers.map((c) => [c.service, c]));
    const broker = by.get('broker');
    assert.deepEqual(broker?.mounts.map((m) => (m.type === 'bind' ? [m.source, m.repoPath] : null)), [
      [`${PROJECT}/mqtt/conf`, 'mqtt/conf'],
      [`${PROJECT}/mqtt/data`, 'mqtt/data'],
    ]);
    assert.deepEqual(broker?.env, { LEVEL: 'debug' });
    const web = by.get('web')?.mounts[0];
    assert.equal(web?.type === 'bind' ? web.source : null, `${PROJECT}/conf`);
  });
  it('resolves nested include paths against the including file, and honours project_directory', async () => {
    const state = await load({
      'compose.yaml': 'name: app\ninclude:\n  - stacks/a/compose.yaml\n  - { path: stacks/b/compose.yaml, project_directory: stacks }\n',
      'stacks/a/compose.yaml': 'include: [../c/compose.yaml]\nservices:\n  a: { image: x, volumes: ["./d:/d"] }\n',
      'stacks/c/compose.yaml': 'services:\n  c: { image: x, volumes: ["./d:/d"] }\n',
      'stacks/b/compose.yaml': 'services:\n  b: { image: x, volumes: ["./d:/d"] }\n',
    });
    const sources = Object.fromEntries(state.containers.map((c) => [c.service, c.mounts[0]?.type === 'bind' ? c.mounts[0].source : null]));
    assert.deepEqual(sources, { a: `${PROJECT}/stacks/a/d`, b: `${PROJECT}/stacks/d`, c: `${PROJECT}/stacks/c/d` });
  });
  it("interpolates an included file with its folder's .env, where the main project leaves a variable unset", async () => {
    const state = await load({
      'compose.yaml': 'name: app\ninclude: [db/compose.yaml]\n',
      '.env': 'TAG=main\n',
      'db/compose.yaml': 'services:\n  db: { image: "pg:${TAG}", environment: { PORT: "${PORT}" } }\n',
      'db/.env': 'TAG=sub\nPORT=5433\n',
    });
    assert.deepEqual([state.containers[0]?.image, state.containers[0]?.env], ['pg:main', { PORT: '5433' }]);
  });
  it("fills an included service's environment entries without a value from its own project's variables", async () => {
    const state = await load({
      'compose.yaml': 'name: app\ninclude: [db/compose.yaml]\n',
      '.env': 'SHARED=main\n',
      'db/compose.yaml': 'services:\n  db:\n    image: pg\n    environment: [SHARED, OWN, NOWHERE]\n  cache:\n    image: redis\n    environment: { OWN: null }\n',
      'db/.env': 'SHARED=sub\nOWN=sub\n',
    });
    const by = new Map(state.containers.map((c) => [c.service, c.env]));
    assert.deepEqual(by.get('db'), { OWN: 'sub', SHARED: 'main' });
    assert.deepEqual(by.get('cache'), { OWN: 'sub' });
  });
  it("takes an entry's env_file (relative to the including file) instead of the folder's .env, and names a missing one", async () => {
    const state = await load({
      'compose.yaml': 'name: app\ninclude:\n  - { path: db/compose.yaml, env_file: db/db.env }\n',
      'db/compose.yaml': 'services:\n  db: { image: "pg:${TAG}" }\n',
      'db/.env': 'TAG=dotenv\n',
      'db/db.env': 'TAG=envfile\n',
    });
    assert.equal(state.containers[0]?.image, 'pg:envfile');
    const list = await problems({ 'compose.yaml': 'include:\n  - path: db/compose.yaml\n    env_file: db/missing.env\n', 'db/compose.yaml': 'services:\n  db: { image: pg }\n' });
    assertProblem(list, { file: 'compose.yaml', line: 3, key: 'include[0].env_file', message: /db\/missing.env does not exist/ });
  });
  it('merges the later paths of one entry over the first, as overrides', async () => {
    const state = await load({
      'compose.yaml': 'name: app\ninclude:\n  - path: [db/compose.yaml, db/override.yaml]\n',
      'db/compose.yaml': 'services:\n  db: { image: pg, environment: { A: "1" } }\n',
      'db/override.yaml': 'services:\n  db: { environment: { B: "2" } }\n',
    });
    assert.deepEqual(state.containers[0]?.env, { A: '1', B: '2' });
  });
  it('refuses an included path that climbs out of the config dir, naming the entry', async () => {
    const list = await problems({ 'compose.yaml': 'services:\n  web: { image: x }\ninclude:\n  - ../outside.yaml\n' });
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'include[0]', message: /must not contain "\.\."/ });
    const bind = await problems({ 'compose.yaml': 'include: [sub/compose.yaml]\n', 'sub/compose.yaml': 'services:\n  web: { image: x, volumes: ["../../x:/x"] }\n' });
    assertProblem(bind, { file: 'sub/compose.yaml', line: 2, key: 'services.web.volumes[0]', message: /leaves the project directory/ });
  });
});

describe('extends from a file in another folder', () => {
  it("resolves the base service's paths against that file's folder", async () => {
    const state = await load({
      'compose.yaml': 'name: app\nservices:\n  web:\n    extends: { service: base, file: common/base.yaml }\n    volumes: ["./own:/own"]\n',
      'common/base.yaml': 'services:\n  base: { image: x, volumes: ["./conf:/conf"] }\n',
    });
    const sources = (state.containers[0]?.mounts ?? []).map((m) => (m.type === 'bind' ? m.source : null));
    assert.deepEqual(sources, [`${PROJECT}/common/conf`, `${PROJECT}/own`]);
  });
});
