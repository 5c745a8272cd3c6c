// The README's first command works: the demo sets up a sample host and converges on it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { testDocker } from '../bed/docker-env.js';
import { freePort } from '../bed/free-port.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

after(async () => {
  const docker = testDocker();
  const list = await docker.listContainers({ all: true, filters: { label: ['moor.host=demo-01'] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
});

it('packaging/demo.sh --check converges the sample host, connects it to the hub, and follows a push within seconds', async () => {
  // Ports no one else on this (possibly shared) machine holds: the web service runs on the host's network.
  const [hubPort, webPort] = [await freePort(), await freePort()];
  const output: string[] = [];
  const code = await new Promise<number | null>((done) => {
    const child = spawn('bash', ['packaging/demo.sh', '--check'], {
      cwd: ROOT,
      env: { ...process.env, MOOR_DEMO_HUB_PORT: String(hubPort), MOOR_DEMO_WEB_PORT: String(webPort), MOOR_DEMO_PREPARED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      done(c);
    });
  });
  const text = output.join('');
  assert.equal(code, 0, text);
  assert.match(text, /demo check: converged on [0-9a-f]{12} and connected to the hub/);
  // README: about two seconds. A replaced service that waits out its 10 s stop timeout took
  // 10.6 s; the bound leaves room for a busy CI machine, not for a stop timeout.
  const seconds = Number(/demo check: a push converged ([\d.]+) s later/.exec(text)?.[1] ?? NaN);
  assert.ok(seconds < 8, `a push took ${seconds} s to converge:\n${text}`);
});
