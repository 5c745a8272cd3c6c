// `moor fleet render` and `moor fleet check` on a fleet checkout: trees written per host, and a
// rendered tree the agent would refuse fails the check with the host and FILE:LINE named.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { moor, tempDir } from '../../bed/agent-process.js';
import { sampleFleet } from './fleet-repo.js';

describe('moor fleet render and check', () => {
  let dir: string;
  const write = (files: Record<string, string>): void => {
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(join(dir, 'fleet', rel, '..'), { recursive: true });
      fs.writeFileSync(join(dir, 'fleet', rel), text);
    }
  };

  before(() => {
    dir = tempDir('moor-fleet-render-');
    write(sampleFleet({ 'cam-1': 'labels: { role: camera }\nvalues: { PROJECT: cam1 }\n', 'gw-1': 'labels: { role: gateway }\n' }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes DIR/<host>/ for every host, or only --host', async () => {
    const r = await moor(['fleet', 'render', '--repo', join(dir, 'fleet'), '--out', join(dir, 'out')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(join(dir, 'out')).sort(), ['cam-1', 'gw-1']);
    assert.deepEqual(fs.readdirSync(join(dir, 'out', 'cam-1')).sort(), ['.env', 'compose.yaml', 'moor.yaml']);
    assert.match(fs.readFileSync(join(dir, 'out', 'cam-1', '.env'), 'utf8'), /^CAMERA_MODE=detect$/m);
    const one = await moor(['fleet', 'render', '--repo', join(dir, 'fleet'), '--out', join(dir, 'one'), '--host', 'gw-1']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(fs.readdirSync(join(dir, 'one')), ['gw-1']);
    // The agent's own validator accepts what render wrote.
    const valid = await moor(['validate', join(dir, 'out', 'cam-1')]);
    assert.equal(valid.code, 0, valid.stdout + valid.stderr);
  });

  it('checks every host and exits 0, then 1 when a stack breaks the policy, naming the hosts', async () => {
    const ok = await moor(['fleet', 'check', '--repo', join(dir, 'fleet')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /2 host\(s\) valid/);
    write({ 'stacks/camera/compose.override.yaml': 'services:\n  frigate:\n    privileged: true\n' });
    const bad = await moor(['fleet', 'check', '--repo', join(dir, 'fleet')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^cam-1 \(rendered\): compose\.yaml:\d+: services\.frigate\.privileged: /m);
    assert.doesNotMatch(bad.stderr, /gw-1/);
    const json = await moor(['--json', 'fleet', 'check', '--repo', join(dir, 'fleet')]);
    assert.equal((JSON.parse(json.stdout) as { valid: boolean }).valid, false);
    // render validates every host's tree: the broken stack fails it too.
    const render = await moor(['fleet', 'render', '--repo', join(dir, 'fleet'), '--out', join(dir, 'bad-out')]);
    assert.equal(render.code, 1, render.stdout);
    assert.match(render.stderr, /^cam-1 \(rendered\): compose\.yaml:\d+: services\.frigate\.privileged: /m);
    assert.equal(fs.existsSync(join(dir, 'bad-out')), false);
  });

  it('render validates every host: a value that breaks one host of twelve fails render, naming that host, FILE:LINE and key', async () => {
    const files: Record<string, string> = {
      'fleet.yaml': 'groups:\n  - { name: all, select: {}, stacks: [web] }\n',
      'stacks/web/compose.yaml': 'services:\n  web:\n    image: local/busybox:1\n    command: ["httpd", "-f"]\n    ports: ["${WEB_PORT}:80"]\n',
    };
    for (let i = 1; i <= 12; i++) {
      const port = i === 7 ? '99999' : String(8000 + i);
      files[`hosts/web-${String(i).padStart(2, '0')}.yaml`] = `labels: { role: web }\nvalues: { WEB_PORT: "${port}" }\n`;
    }
    const repo = join(dir, 'ports');
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(join(repo, rel, '..'), { recursive: true });
      fs.writeFileSync(join(repo, rel), text);
    }
    const r = await moor(['fleet', 'render', '--repo', repo, '--out', join(dir, 'ports-out')]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^web-07 \(rendered\): compose\.yaml:\d+: services\.web\.ports\[0\]: "99999:80": host port must be/m);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(fs.existsSync(join(dir, 'ports-out')), false, 'nothing written when a host is invalid');
    // The same fleet with the value fixed renders all twelve.
    fs.writeFileSync(join(repo, 'hosts/web-07.yaml'), 'labels: { role: web }\nvalues: { WEB_PORT: "8007" }\n');
    const ok = await moor(['fleet', 'render', '--repo', repo, '--out', join(dir, 'ports-out')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^12 host tree\(s\) validated and written$/m);
  });
});
