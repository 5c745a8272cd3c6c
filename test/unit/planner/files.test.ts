// The file planner: writes new and changed files, puts back hand edits, prunes only its own.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plan } from '../../../agent/planner/plan.js';
import type { Plan } from '../../../agent/planner/steps.js';
import { context, desired, observed } from './fixtures.js';
import { file, onDisk } from './units-fixtures.js';

const kinds = (p: Plan): string[] => p.steps.map((s) => `${s.kind} ${s.resource}`);

describe('file planner', () => {
  it('writes a file that is not on disk', () => {
    const f = file('/etc/moor-files/a.conf', 'x=1\n');
    const p = plan(desired([], { files: [f] }), observed([]), context());
    assert.deepEqual(kinds(p), ['writeFile file//etc/moor-files/a.conf']);
    assert.deepEqual(p.changes.map((c) => [c.action, c.why, c.drift]), [['create', 'new file from files/a.conf', false]]);
  });

  it('leaves a file alone when content and mode match', () => {
    const f = file('/etc/moor-files/a.conf', 'x=1\n');
    const p = plan(desired([], { files: [f] }), observed([], { files: [onDisk(f)] }), context({ appliedFiles: { [f.path]: f } }));
    assert.deepEqual(p.steps, []);
  });

  it('rewrites a file whose content the commit changed, and explains it', () => {
    const old = file('/etc/moor-files/a.conf', 'x=1\n');
    const next = file('/etc/moor-files/a.conf', 'x=2\n');
    const p = plan(desired([], { files: [next] }), observed([], { files: [onDisk(old)] }), context({ appliedFiles: { [old.path]: old } }));
    assert.deepEqual(kinds(p), ['writeFile file//etc/moor-files/a.conf']);
    assert.equal(p.changes[0]?.why, 'content changed');
    assert.equal(p.changes[0]?.drift, false);
    assert.equal(p.changes[0]?.fields[0]?.field, 'content');
  });

  it('puts back a file changed or removed on disk, as drift', () => {
    const f = file('/etc/moor-files/a.conf', 'x=1\n', { mode: 0o640 });
    const ctx = context({ appliedFiles: { [f.path]: f } });
    const edited = plan(desired([], { files: [f] }), observed([], { files: [onDisk(f, { hash: '0'.repeat(64), mode: 0o644 })] }), ctx);
    assert.deepEqual(edited.changes.map((c) => [c.why, c.drift]), [['content, mode changed on disk', true]]);
    const removed = plan(desired([], { files: [f] }), observed([], { files: [{ path: f.path, hash: null, mode: null }] }), ctx);
    assert.deepEqual(removed.changes.map((c) => [c.action, c.drift]), [['create', true]]);
  });

  it('puts back an owner or group changed on disk, by name or by number', () => {
    const f = file('/etc/moor-files/a.conf', 'x=1\n', { owner: 'telegraf', group: 'adm' });
    const ctx = context({ appliedFiles: { [f.path]: f } });
    const same = onDisk(f, { owner: 'telegraf', group: 'adm', uid: 998, gid: 4 });
    assert.deepEqual(plan(desired([], { files: [f] }), observed([], { files: [same] }), ctx).steps, []);
    const chowned = plan(desired([], { files: [f] }), observed([], { files: [onDisk(f, { owner: 'root', group: 'adm', uid: 0, gid: 4 })] }), ctx);
    assert.deepEqual(chowned.changes.map((c) => [c.why, c.drift, c.fields[0]?.from, c.fields[0]?.to]), [['owner changed on disk', true, 'root:adm', 'telegraf:adm']]);
    const numeric = file('/etc/moor-files/a.conf', 'x=1\n', { owner: '998', group: null });
    const byId = onDisk(numeric, { owner: 'telegraf', group: 'adm', uid: 998, gid: 4 });
    assert.deepEqual(plan(desired([], { files: [numeric] }), observed([], { files: [byId] }), context({ appliedFiles: { [f.path]: numeric } })).steps, []);
  });

  it('prunes only files moor wrote, and only when prune is on', () => {
    const mine = file('/etc/moor-files/old.conf', 'x\n');
    const files = [onDisk(mine), { path: '/etc/moor-files/theirs.conf', hash: 'a'.repeat(64), mode: 0o644 }];
    const p = plan(desired([]), observed([], { files }), context({ appliedFiles: { [mine.path]: mine } }));
    assert.deepEqual(kinds(p), ['removeFile file//etc/moor-files/old.conf']);
    const q = plan(desired([]), observed([], { files }), context({ prune: false, appliedFiles: { [mine.path]: mine } }));
    assert.deepEqual(q.steps, []);
  });
});
