// The service memo (moor fleet validates many trees sharing services) changes nothing but the
// time taken: the same problems, warnings, lines and specs as loads without it, whatever the
// order of the loads and however often a service comes back.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ConfigProblem } from '../../../agent/contracts/errors.js';
import { ServiceMemo } from '../../../agent/desired/compose/service-memo.js';
import { DEFAULT_PROJECTS_DIR, loadDesiredState, validateDir } from '../../../agent/desired/load.js';
import type { PolicySettings } from '../../../agent/settings/model.js';
import { corpusCases } from '../corpus/cases.js';
import { composeCorpusDir, DEFAULT_POLICY, writeConfigDir } from '../corpus/corpus-dir.js';

/** The state a load gives, or the problems it throws. */
async function outcome(dir: string, options: Parameters<typeof loadDesiredState>[1]): Promise<unknown> {
  try {
    return await loadDesiredState(dir, options);
  } catch (err) {
    return err instanceof Error && 'problems' in err ? err.problems : err;
  }
}

interface Answer {
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

async function check(dir: string, policy: PolicySettings, serviceMemo?: ServiceMemo): Promise<Answer> {
  const warnings: ConfigProblem[] = [];
  const problems = await validateDir(dir, { policy, projectsDir: DEFAULT_PROJECTS_DIR, onWarning: (w) => warnings.push(w), ...(serviceMemo ? { serviceMemo } : {}) });
  return { problems, warnings };
}

describe('the service memo', () => {
  let root = '';
  const folder = async (files: Record<string, string>): Promise<string> => {
    root ||= await mkdtemp(path.join(tmpdir(), 'moor-service-memo-'));
    return writeConfigDir(root, files);
  };
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('gives every case of the hostile corpus the problems and warnings it has without the memo, on a first and a second pass', async () => {
    const cases = corpusCases().filter((c) => Object.values(c.files).every((f) => typeof f === 'string'));
    const dirs: string[] = [];
    for (const c of cases) dirs.push(await folder(Object.fromEntries(Object.entries(c.files).filter((e): e is [string, string] => typeof e[1] === 'string'))));
    const without: Answer[] = [];
    for (const dir of dirs) without.push(await check(dir, DEFAULT_POLICY));
    const memo = new ServiceMemo(DEFAULT_POLICY);
    for (const pass of [1, 2]) {
      for (const [i, dir] of dirs.entries()) assert.deepEqual(await check(dir, DEFAULT_POLICY, memo), without[i], `pass ${pass}, case ${cases[i]?.name}`);
    }
  });

  it('gives the real compose files of ../shared/compose-corpus the same specs and hashes as loads without it', { skip: composeCorpusDir() === null ? 'no compose corpus beside the checkout' : false }, async () => {
    const root = composeCorpusDir() ?? '';
    const policy: PolicySettings = { selfHeal: true, prune: true, allowPrivileged: true, allowedBindRoots: ['/'], allowedFileRoots: ['/'] };
    const memo = new ServiceMemo(policy);
    const folders = readdirSync(root).filter((n) => /^\d\d-/.test(n)).sort();
    for (const pass of [1, 2]) {
      for (const name of folders) {
        const dir = path.join(root, name);
        const plain = await outcome(dir, { policy, projectsDir: DEFAULT_PROJECTS_DIR });
        assert.deepEqual(await outcome(dir, { policy, projectsDir: DEFAULT_PROJECTS_DIR, serviceMemo: memo }), plain, `pass ${pass}: ${name}`);
      }
    }
  });

  it('reports a reused service problem at the line of the file being loaded', async () => {
    const body = 'services:\n  web:\n    image: local/busybox:1\n    colour: blue\n';
    const memo = new ServiceMemo(DEFAULT_POLICY);
    const first = await check(await folder({ 'compose.yaml': body }), DEFAULT_POLICY, memo);
    const shifted = await check(await folder({ 'compose.yaml': `# a\n# b\n${body}` }), DEFAULT_POLICY, memo);
    assert.deepEqual(first.problems.map((p) => [p.line, p.key]), [[4, 'services.web.colour']]);
    assert.deepEqual(shifted.problems.map((p) => [p.line, p.key]), [[6, 'services.web.colour']]);
  });

  it('normalises a service again when a .env value it reads differs, and reuses it when only others differ', async () => {
    const compose = 'services:\n  web:\n    image: local/busybox:1\n    environment: [TOKEN]\n';
    const memo = new ServiceMemo(DEFAULT_POLICY);
    const load = async (env: string) =>
      loadDesiredState(await folder({ 'compose.yaml': compose, '.env': env }), { policy: DEFAULT_POLICY, projectsDir: DEFAULT_PROJECTS_DIR, serviceMemo: memo });
    const plain = async (env: string) => loadDesiredState(await folder({ 'compose.yaml': compose, '.env': env }), { policy: DEFAULT_POLICY, projectsDir: DEFAULT_PROJECTS_DIR });
    for (const env of ['TOKEN=a\nOTHER=1\n', 'TOKEN=b\nOTHER=1\n', 'TOKEN=a\nOTHER=2\n', 'OTHER=3\n']) {
      const [withMemo, without] = [await load(env), await plain(env)];
      assert.deepEqual(withMemo.containers, without.containers, env);
    }
    assert.equal((await load('TOKEN=b\n')).containers[0]?.env.TOKEN, 'b');
  });

  it('hands out copies: changing a spec one load returned leaves the next load unchanged', async () => {
    const dir = await folder({ 'compose.yaml': 'services:\n  web:\n    image: local/busybox:1\n    ports: ["8080:80"]\n' });
    const memo = new ServiceMemo(DEFAULT_POLICY);
    const options = { policy: DEFAULT_POLICY, projectsDir: DEFAULT_PROJECTS_DIR, serviceMemo: memo };
    const first = await loadDesiredState(dir, options);
    const spec = first.containers[0];
    assert.ok(spec);
    spec.ports.push({ hostIp: '', hostPort: 1, containerPort: 1, protocol: 'tcp' });
    spec.env.ADDED = 'x';
    spec.image = 'changed';
    assert.deepEqual((await loadDesiredState(dir, options)).containers, (await loadDesiredState(dir, { policy: DEFAULT_POLICY, projectsDir: DEFAULT_PROJECTS_DIR })).containers);
  });

  it('is not used by a load with another policy', async () => {
    const dir = await folder({ 'compose.yaml': 'services:\n  web:\n    image: local/busybox:1\n    privileged: true\n' });
    const memo = new ServiceMemo(DEFAULT_POLICY);
    const permissive: PolicySettings = { ...DEFAULT_POLICY, allowPrivileged: true };
    assert.equal((await check(dir, DEFAULT_POLICY, memo)).problems.length, 1);
    assert.deepEqual((await check(dir, permissive, memo)).problems, []);
  });
});
