// A private image registry for tests: Debian's docker-registry on a loopback port with htpasswd
// basic auth, its config and data in a temp folder, its output in a log file there.

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openSync, closeSync } from 'node:fs';
import { freePort } from './free-port.js';
export { freePort };

const run = promisify(execFile);

export interface TestRegistry {
  /** `127.0.0.1:PORT`: the registry part of image references. */
  host: string;
  username: string;
  password: string;
  dir: string;
  stop(): Promise<void>;
}

/** Where bed services note their pid, so test/run.sh can stop what a crashed test left. */
export function pidDir(): string {
  return process.env['MOOR_TEST_PID_DIR'] ?? join(tmpdir(), 'moor-test-pids');
}

export async function startRegistry(options: { username: string; password: string }): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'moor-registry-'));
  const port = await freePort();
  const htpasswd = join(dir, 'htpasswd');
  await run('htpasswd', ['-Bbc', htpasswd, options.username, options.password]);
  const config = [
    'version: 0.1',
    'log: { level: info }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
    `http: { addr: "127.0.0.1:${port}" }`,
    `auth: { htpasswd: { realm: moor-test, path: ${htpasswd} } }`,
    '',
  ].join('\n');
  const configFile = join(dir, 'config.yml');
  await writeFile(configFile, config);
  const logFd = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error('docker-registry did not start');
  await mkdir(pidDir(), { recursive: true });
  const pidFile = join(pidDir(), `registry-${pid}.pid`);
  await writeFile(pidFile, String(pid));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await unlink(pidFile).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry did not answer on 127.0.0.1:${port} (log in ${dir}/registry.log)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, username: options.username, password: options.password, dir, stop };
}

/**
 * Pushes a local image to the registry under `remoteRef` with the docker CLI, logged in through
 * a throw-away DOCKER_CONFIG, then removes the remote tag locally so that a pull must fetch it.
 */
export async function pushImage(socket: string, registry: TestRegistry, localRef: string, remoteRef: string): Promise<void> {
  const config = await mkdtemp(join(tmpdir(), 'moor-docker-config-'));
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: config };
  try {
    await runWithInput('docker', ['login', '-u', registry.username, '--password-stdin', registry.host], registry.password, env);
    await run('docker', ['tag', localRef, remoteRef], { env });
    await run('docker', ['push', remoteRef], { env });
    await run('docker', ['rmi', remoteRef], { env });
  } finally {
    await rm(config, { recursive: true, force: true });
  }
}

function runWithInput(cmd: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env }, (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(input);
  });
}
