import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex } from '../../../agent/desired/hash.js';
import type { BuildSpec, ContainerSpec, ProjectDirSpec } from '../../../agent/desired/model.js';
import { plan } from '../../../agent/planner/plan.js';
import type { Step } from '../../../agent/planner/steps.js';
import { container, context, desired, observed, running } from './fixtures.js';

const DIR = '/var/lib/moor/projects/demo';
const kinds = (steps: Step[]): string[] => steps.map((s) => `${s.kind} ${s.resource}`).sort();

function app(hash: string): { spec: ContainerSpec; dir: ProjectDirSpec } {
  const build: BuildSpec = { context: 'app', dockerfile: 'Dockerfile', args: { V: '1' }, target: null, hash };
  const spec = container('app', { image: 'demo-app', build });
  const docker = Buffer.from('FROM local/busybox:1\n');
  const dir: ProjectDirSpec = {
    project: 'demo',
    dir: DIR,
    files: [{ rel: 'app/Dockerfile', contentBase64: docker.toString('base64'), mode: 0o644, hash: sha256Hex(docker) }],
    dataDirs: [],
  };
  return { spec, dir };
}

describe('planner: build', () => {
  it('builds a missing image from its placed context before creating the container, and never pulls it', () => {
    const { spec, dir } = app('h1');
    const p = plan(desired([spec], { projectDirs: [dir] }), observed([], { images: {}, builtImages: { 'demo-app': null } }), context());
    const build = p.steps.find((s) => s.kind === 'buildImage');
    assert.ok(build?.kind === 'buildImage');
    assert.deepEqual([build.dir, build.files], [DIR, ['Dockerfile']]);
    assert.ok(build.after.includes(`placeProjectFile:file/${DIR}/app/Dockerfile`));
    assert.ok(p.steps.find((s) => s.kind === 'createContainer')?.after.includes(build.id));
    assert.ok(!p.steps.some((s) => s.kind === 'pullImage'));
    assert.equal(p.changes.find((c) => c.kind === 'image')?.why, 'built from app');
  });

  it('does not build again when the image carries the build hash', () => {
    const { spec, dir } = app('h1');
    const hashes = { 'app/Dockerfile': dir.files[0]?.hash ?? '' };
    const p = plan(
      desired([spec], { projectDirs: [dir] }),
      observed([running(spec)], { builtImages: { 'demo-app': 'h1' }, projectDirs: [{ dir: DIR, placed: hashes, onDisk: hashes, dataDirs: [] }] }),
      context(),
    );
    assert.deepEqual(p.steps, []);
  });

  it('rebuilds when the context changed, before the old container is stopped', () => {
    const old = app('h1').spec;
    const { spec, dir } = app('h2');
    const hashes = { 'app/Dockerfile': dir.files[0]?.hash ?? '' };
    const p = plan(
      desired([spec], { projectDirs: [dir] }),
      observed([running(old)], { builtImages: { 'demo-app': 'h1' }, projectDirs: [{ dir: DIR, placed: hashes, onDisk: hashes, dataDirs: [] }] }),
      context(),
    );
    assert.deepEqual(kinds(p.steps), [
      'buildImage image/demo-app',
      'createContainer container/demo-app',
      'removeContainer container/demo-app',
      'startContainer container/demo-app',
      'stopContainer container/demo-app',
    ]);
    assert.ok(p.steps.find((s) => s.kind === 'stopContainer')?.after.includes('buildImage:image/demo-app'));
    assert.equal(p.changes.find((c) => c.kind === 'image')?.why, 'build context app changed');
  });
});
