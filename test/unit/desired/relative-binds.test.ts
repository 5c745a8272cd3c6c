// Relative bind sources resolve against the project directory (`<projectsDir>/<project>`), as
// docker compose resolves them against the project folder; `~` and escapes are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveBindSource } from '../../../agent/desired/compose/mounts.js';
import { DEFAULT_PROJECTS_DIR } from '../../../agent/desired/load.js';
import { assertProblem, load, POLICY, problems } from './fixtures.js';

const DIR = '/var/lib/moor/projects/app';

function resolved(source: string): { source: string; repoPath: string | null } {
  const r = resolveBindSource(source, DIR);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

describe('relative bind sources', () => {
  it('resolve ./data, ., data and a path that comes back inside against the project dir', () => {
    assert.deepEqual(resolved('./data'), { source: `${DIR}/data`, repoPath: 'data' });
    assert.deepEqual(resolved('./mosquitto/config/'), { source: `${DIR}/mosquitto/config`, repoPath: 'mosquitto/config' });
    assert.deepEqual(resolved('.'), { source: DIR, repoPath: '.' });
    assert.deepEqual(resolved('data'), { source: `${DIR}/data`, repoPath: 'data' });
    assert.deepEqual(resolved('./a/../b'), { source: `${DIR}/b`, repoPath: 'b' });
  });
  it('keep an absolute source, with a repoPath only when it lies inside the project dir', () => {
    assert.deepEqual(resolved('/srv/data'), { source: '/srv/data', repoPath: null });
    assert.deepEqual(resolved(`${DIR}/conf`), { source: `${DIR}/conf`, repoPath: 'conf' });
  });
  it('refuse ~ and paths that leave the project dir, saying why', () => {
    const home = resolveBindSource('~/.mytb-data', DIR);
    assert.ok(!home.ok && /home directory/.test(home.error));
    for (const source of ['../other', './a/../../x', '..']) {
      const out = resolveBindSource(source, DIR);
      assert.ok(!out.ok && /leaves the project directory/.test(out.error), source);
    }
  });
  it('are loaded as binds under the projects dir, allowed without a bind root', async () => {
    const state = await load({
      'compose.yaml': 'name: app\nservices:\n  web:\n    image: nginx\n    volumes:\n      - ./conf/nginx.conf:/etc/nginx/nginx.conf:ro\n      - type: bind\n        source: data\n        target: /data\n',
    });
    const mounts = state.containers[0]?.mounts ?? [];
    assert.deepEqual(mounts, [
      { type: 'bind', source: `${DEFAULT_PROJECTS_DIR}/app/data`, target: '/data', readOnly: false, repoPath: 'data', propagation: null, selinux: null },
      { type: 'bind', source: `${DEFAULT_PROJECTS_DIR}/app/conf/nginx.conf`, target: '/etc/nginx/nginx.conf', readOnly: true, repoPath: 'conf/nginx.conf', propagation: null, selinux: null },
    ]);
  });
  it('still check an absolute source outside the project dir against the bind roots', async () => {
    const list = await problems({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n    volumes: ["/etc:/host-etc"]\n' }, POLICY);
    assertProblem(list, { file: 'compose.yaml', line: 4, key: 'services.web.volumes[0]', message: /allowedBindRoots/ });
  });
});
