// Parity with docker compose: the same compose file deployed by Debian's docker-compose 1.29 and
// by moor (loader, planner, executor) on the private engine, compared field by field in
// `docker inspect`; then a no-op sync plans nothing. Keys docker-compose 1.29 cannot express
// (deploy limits without --compatibility, start_interval) are checked against the engine value
// they must produce instead.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { loadDesiredState } from '../../../agent/desired/load.js';
import type { DesiredState } from '../../../agent/desired/model.js';
import { createDockerEngine } from '../../../agent/executors/docker/dockerode-engine.js';
import { observe } from '../../../agent/observe/observe.js';
import { plan } from '../../../agent/planner/plan.js';
import type { Step } from '../../../agent/planner/steps.js';
import { createProjectDirs } from '../../../agent/executors/files/project-dirs.js';
import { createStepExecutor } from '../../../agent/reconciler/execute-step.js';
import type { PolicySettings } from '../../../agent/settings/model.js';
import { cleanupHost, dockerSocket, testDocker, uniqueHostId } from '../../bed/docker-env.js';
import { COMPOSE_FILE, PARITY_FIELDS, REPO_FILES, normalised } from './parity-fixture.js';

const run = promisify(execFile);
const POLICY: PolicySettings = { selfHeal: true, prune: true, allowPrivileged: true, allowedBindRoots: ['/'], allowedFileRoots: ['/'] };
const REV = 'c'.repeat(40);

describe('parity with docker-compose 1.29', () => {
  const host = uniqueHostId('parity');
  const docker = testDocker();
  const engine = createDockerEngine({ docker }, { registries: [], dockerConfigFile: null });
  const dcProject = `pardc${host.slice(-8)}`;
  const moorProject = `parmoor${host.slice(-8)}`;
  let root = '';
  let dcDir = '';
  let moorDir = '';
  let projectsDir = '';
  let desired: DesiredState;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, DOCKER_HOST: `unix://${dockerSocket()}` });
  const projects = createProjectDirs();
  const observeNow = () => observe({ engine, projects }, desired, { host, unitNames: [], filePaths: [] });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'moor-parity-'));
    dcDir = join(root, 'dc');
    moorDir = join(root, 'moor');
    projectsDir = join(root, 'projects');
    for (const [dir, project] of [[dcDir, dcProject], [moorDir, moorProject]] as const) {
      await mkdir(join(dir, 'conf'), { recursive: true });
      for (const [rel, text] of Object.entries(REPO_FILES)) await writeFile(join(dir, rel), text);
      await writeFile(join(dir, '.env'), `COMPOSE_PROJECT_NAME=${project}\nHOST=db\nURL=postgres://\${HOST}:5432\n`);
      await writeFile(join(dir, 'compose.yaml'), COMPOSE_FILE(root));
    }
    await mkdir(join(root, 'bind'), { recursive: true });
    await run('docker-compose', ['-p', dcProject, '-f', join(dcDir, 'compose.yaml'), 'up', '-d'], { cwd: dcDir, env: env(), timeout: 180_000 });

    desired = await loadDesiredState(moorDir, { policy: POLICY, projectsDir });
    const steps = plan(desired, await observeNow(), { host, revision: REV, prune: true, pullAlways: false, appliedSpecs: {} }).steps;
    await execute(steps, createStepExecutor({ engine, projects, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }, { host, revision: REV, healthTimeoutMs: 60_000 }));
  });

  after(async () => {
    await run('docker-compose', ['-p', dcProject, '-f', join(dcDir, 'compose.yaml'), 'down', '-v'], { cwd: dcDir, env: env(), timeout: 180_000 }).catch(() => undefined);
    await cleanupHost(docker, host);
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const service of ['web', 'api']) {
    it(`creates ${service} as docker-compose does, field by field`, async () => {
      const theirs = await docker.getContainer(`${dcProject}_${service}_1`).inspect();
      const ours = await docker.getContainer(`${moorProject}-${service}`).inspect();
      const table: string[] = [];
      const differ: string[] = [];
      for (const field of PARITY_FIELDS) {
        const a = normalised(field, theirs, { project: dcProject, dir: dcDir });
        const b = normalised(field, ours, { project: moorProject, dir: join(projectsDir, moorProject) });
        const same = JSON.stringify(a) === JSON.stringify(b);
        table.push(`${service} ${field}: ${same ? 'equal' : 'DIFFERENT'}`);
        if (!same) differ.push(`${field}: docker-compose ${JSON.stringify(a)} / moor ${JSON.stringify(b)}`);
      }
      console.log(table.join('\n'));
      assert.deepEqual(differ, []);
    });
  }

  it('sets what docker-compose 1.29 cannot express to the engine values compose v2 gives', async () => {
    const web = await docker.getContainer(`${moorProject}-web`).inspect();
    assert.ok(web.Config.Env.includes('DSN=postgres://db:5432/app'), '${URL} in an env_file, from .env');
    const limits = await docker.getContainer(`${moorProject}-limits`).inspect();
    const hc: Dockerode.ContainerInspectInfo['HostConfig'] & { MemoryReservation?: number; PidsLimit?: number } = limits.HostConfig;
    assert.equal(hc.NanoCpus, 250_000_000, 'deploy.resources.limits.cpus');
    assert.equal(hc.MemoryReservation, 16 * 1024 * 1024, 'deploy.resources.reservations.memory');
    assert.equal(hc.PidsLimit, 64, 'pids_limit');
  });

  it('plans nothing on a sync right after (a no-op replaces nothing)', async () => {
    const again = plan(desired, await observeNow(), { host, revision: REV, prune: true, pullAlways: false, appliedSpecs: {} });
    assert.deepEqual(again.steps.map((s) => `${s.kind} ${s.resource}`), []);
  });
});

/** Runs steps in dependency order, one at a time. */
async function execute(steps: Step[], exec: (step: Step) => Promise<void>): Promise<void> {
  const done = new Set<string>();
  const pending = [...steps];
  while (pending.length > 0) {
    const index = pending.findIndex((s) => s.after.every((id) => done.has(id)));
    assert.ok(index >= 0, 'the plan has a dependency cycle');
    const [step] = pending.splice(index, 1);
    if (!step) break;
    await exec(step);
    done.add(step.id);
  }
}
