// The fleet demo works: three sample hosts from one fleet branch, and one commit on main
// reaches all three after `moor fleet publish`; the hub's API (what its dashboard reads) shows the
// three online on the published commit with their labels, and the demo says how to log in.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { testDocker } from '../bed/docker-env.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

after(async () => {
  const docker = testDocker();
  for (const host of ['demo-berlin-1', 'demo-berlin-2', 'demo-paris-1']) {
    const list = await docker.listContainers({ all: true, filters: { label: [`moor.host=${host}`] } });
    await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  }
});

it('packaging/demo.sh --fleet --check brings one commit on main to three hosts, as the hub shows', async () => {
  const output: string[] = [];
  const code = await new Promise<number | null>((done) => {
    const child = spawn('bash', ['packaging/demo.sh', '--fleet', '--check'], {
      cwd: ROOT,
      // The suite has installed and built already: a build now would rewrite files being loaded.
      env: { ...process.env, MOOR_DEMO_PREPARED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 420_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      done(c);
    });
  });
  const text = output.join('');
  assert.equal(code, 0, text);
  assert.match(text, /fleet demo check: one commit on main reached the three hosts/);
  assert.match(text, /dashboard: +http:\/\/127\.0\.0\.1:\d+\/ +\(log in with the admin token in \.demo-fleet\/dashboard-token/);
  assert.match(text, /one commit on main: the hub shows the three hosts online on their published commits \(role=camera: demo-berlin-1, demo-paris-1\)/);
});
