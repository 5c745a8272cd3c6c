import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex } from '../../../agent/desired/hash.js';
import type { ContainerSpec, ProjectDirSpec, ProjectFileSpec } from '../../../agent/desired/model.js';
import type { ObservedProjectDir } from '../../../agent/contracts/observed.js';
import { redactPlan } from '../../../agent/planner/diff.js';
import { plan } from '../../../agent/planner/plan.js';
import type { Step } from '../../../agent/planner/steps.js';
import { container, context, desired, observed, running } from './fixtures.js';

const DIR = '/var/lib/moor/projects/demo';
const kinds = (steps: Step[]): string[] => steps.map((s) => `${s.kind} ${s.resource}`).sort();

function file(rel: string, text: string): ProjectFileSpec {
  const data = Buffer.from(text);
  return { rel, contentBase64: data.toString('base64'), mode: 0o644, hash: sha256Hex(data) };
}

function projectDir(files: ProjectFileSpec[], dataDirs: string[] = []): ProjectDirSpec {
  return { project: 'demo', dir: DIR, files, dataDirs };
}

/** The project directory as an apply of `spec` leaves it. */
function applied(spec: ProjectDirSpec): ObservedProjectDir {
  const hashes = Object.fromEntries(spec.files.map((f) => [f.rel, f.hash]));
  return { dir: DIR, placed: hashes, onDisk: { ...hashes }, dataDirs: [...spec.dataDirs] };
}

function mosquitto(conf: ProjectFileSpec): ContainerSpec {
  return container('mqtt', {
    mounts: [
      { type: 'bind', source: `${DIR}/config/mosquitto.conf`, target: '/mosquitto/config/mosquitto.conf', readOnly: true, repoPath: 'config/mosquitto.conf', propagation: null, selinux: null },
      { type: 'bind', source: `${DIR}/data`, target: '/mosquitto/data', readOnly: false, repoPath: 'data', propagation: null, selinux: null },
    ],
    mountContent: { 'config/mosquitto.conf': conf.hash },
  });
}

describe('planner: project directories', () => {
  it('records, places the commit files and creates data directories before the container that binds them', () => {
    const conf = file('config/mosquitto.conf', 'listener 1883\n');
    const dir = projectDir([conf], ['data']);
    const p = plan(desired([mosquitto(conf)], { projectDirs: [dir] }), observed([]), context());
    assert.deepEqual(kinds(p.steps), [
      `createContainer container/demo-mqtt`,
      `createDataDir file/${DIR}/data`,
      `placeProjectFile file/${DIR}/config/mosquitto.conf`,
      `recordProjectFiles file/${DIR}`,
      `recordProjectFiles file/${DIR}`,
      `startContainer container/demo-mqtt`,
    ]);
    const create = p.steps.find((s) => s.kind === 'createContainer');
    assert.ok(create?.after.includes(`placeProjectFile:file/${DIR}/config/mosquitto.conf`));
    assert.ok(create?.after.includes(`createDataDir:file/${DIR}/data`));
    const first = p.steps.find((s) => s.kind === 'recordProjectFiles');
    assert.deepEqual(first?.kind === 'recordProjectFiles' && first.files, { 'config/mosquitto.conf': '' });
  });

  it('does nothing on a no-op sync', () => {
    const conf = file('config/mosquitto.conf', 'listener 1883\n');
    const dir = projectDir([conf], ['data']);
    const mqtt = mosquitto(conf);
    const p = plan(desired([mqtt], { projectDirs: [dir] }), observed([running(mqtt)], { projectDirs: [applied(dir)] }), context());
    assert.deepEqual(p.steps, []);
  });

  it('places a file changed in the commit and replaces the container, saying which file changed', () => {
    const v1 = file('config/mosquitto.conf', 'listener 1883\n');
    const v2 = file('config/mosquitto.conf', 'listener 1884\n');
    const old = mosquitto(v1);
    const next = mosquitto(v2);
    const p = plan(
      desired([next], { projectDirs: [projectDir([v2], ['data'])] }),
      observed([running(old)], { projectDirs: [applied(projectDir([v1], ['data']))] }),
      context({ appliedSpecs: { [old.name]: old } }),
    );
    const replace = p.changes.find((c) => c.kind === 'container');
    assert.equal(replace?.action, 'replace');
    assert.equal(replace?.why, 'file config/mosquitto.conf changed');
    const fileChange = p.changes.find((c) => c.kind === 'file');
    assert.deepEqual([fileChange?.action, fileChange?.why, fileChange?.drift], ['update', 'config/mosquitto.conf changed in the commit', false]);
    const create = p.steps.find((s) => s.kind === 'createContainer');
    assert.ok(create?.after.includes(`placeProjectFile:file/${DIR}/config/mosquitto.conf`));
    assert.ok(!p.steps.some((s) => s.kind === 'createDataDir'), 'the data directory exists and is left alone');
  });

  it('puts back a placed file changed on disk as drift, without replacing the container', () => {
    const conf = file('config/mosquitto.conf', 'listener 1883\n');
    const dir = projectDir([conf]);
    const mqtt = mosquitto(conf);
    const seen = { ...applied(dir), onDisk: { 'config/mosquitto.conf': sha256Hex('edited') } };
    const p = plan(desired([mqtt], { projectDirs: [dir] }), observed([running(mqtt)], { projectDirs: [seen] }), context());
    assert.deepEqual(kinds(p.steps), [`placeProjectFile file/${DIR}/config/mosquitto.conf`]);
    assert.deepEqual(p.changes.map((c) => [c.why, c.drift]), [['changed on disk', true]]);
  });

  it('removes a file the commit no longer holds, records it, and never touches data directories', () => {
    const conf = file('config/mosquitto.conf', 'listener 1883\n');
    const gone = file('config/old.conf', 'x\n');
    const mqtt = mosquitto(conf);
    const before = applied(projectDir([conf, gone], ['data']));
    const p = plan(desired([mqtt], { projectDirs: [projectDir([conf], ['data'])] }), observed([running(mqtt)], { projectDirs: [before] }), context());
    assert.deepEqual(kinds(p.steps), [`recordProjectFiles file/${DIR}`, `removeProjectFile file/${DIR}/config/old.conf`]);
    const record = p.steps.find((s) => s.kind === 'recordProjectFiles');
    assert.deepEqual(record?.kind === 'recordProjectFiles' && record.files, { 'config/mosquitto.conf': conf.hash });
    assert.ok(record?.after.includes(`removeProjectFile:file/${DIR}/config/old.conf`));
  });

  it('recreates a data directory removed by hand, and plans nothing to delete it when no longer bound', () => {
    const dir = projectDir([], ['data']);
    const p = plan(desired([], { projectDirs: [dir] }), observed([], { projectDirs: [{ dir: DIR, placed: {}, onDisk: {}, dataDirs: [] }] }), context());
    assert.deepEqual(kinds(p.steps), [`createDataDir file/${DIR}/data`]);
    const unbound = plan(desired([], { projectDirs: [projectDir([], [])] }), observed([], { projectDirs: [applied(dir)] }), context({ prune: true }));
    assert.deepEqual(unbound.steps, []);
  });

  it('never prints the content of placed files', () => {
    const conf = file('config/mosquitto.conf', 'password hunter2\n');
    const p = redactPlan(plan(desired([mosquitto(conf)], { projectDirs: [projectDir([conf])] }), observed([]), context()));
    assert.ok(!JSON.stringify(p).includes(Buffer.from('password hunter2\n').toString('base64')));
  });
});
