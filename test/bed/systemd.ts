// Test bed: a container running real systemd as PID 1, with the node
// binary, the build and the test engine's socket bind-mounted, so that moor runs inside it.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SYSTEMD_IMAGE = 'local/systemd:1';
/** Where the repo's build is mounted inside the box. */
export const MOOR_DIR = '/opt/moor';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SystemdBox {
  name: string;
  /** Runs a command inside the box (no shell unless you ask for one). */
  exec(args: string[], opts?: { input?: string }): Promise<ExecResult>;
  /** `sh -c SCRIPT` inside the box; throws on a non-zero exit. */
  sh(script: string): Promise<string>;
  /** `node build/moor.cjs ARGS` inside the box. */
  moor(args: string[]): Promise<ExecResult>;
  stop(): Promise<void>;
}

export interface SystemdBoxOptions {
  name: string;
  /** The test engine's socket; mounted as /var/run/docker.sock inside. */
  dockerSocket: string;
  /** Host folders to mount: host path -> path inside. */
  mounts?: Record<string, string>;
  logFile: string;
}

export function docker(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', args, { maxBuffer: 16 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err && typeof err.code === 'number' ? err.code : 0, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}

function ensureImage(logFile: string): Promise<void> {
  // The script is idempotent: it imports the cached debootstrap root, or builds it once.
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, 'a');
    execFile('bash', [path.join(REPO, 'test/bed/systemd-image.sh')], { timeout: 600_000 }, (err, stdout, stderr) => {
      fs.writeSync(log, stdout + stderr);
      fs.closeSync(log);
      if (err) reject(new Error(`test/bed/systemd-image.sh failed; see ${logFile}: ${stderr.trim()}`));
      else resolve();
    });
  });
}

export async function startSystemdBox(options: SystemdBoxOptions): Promise<SystemdBox> {
  await ensureImage(options.logFile);
  await docker(['rm', '-f', options.name]);
  const node = fs.realpathSync(process.execPath);
  const volumes = [
    `${node}:/usr/local/bin/node:ro`,
    `${path.join(REPO, 'build')}:${MOOR_DIR}/build:ro`,
    `${path.join(REPO, 'node_modules')}:${MOOR_DIR}/node_modules:ro`,
    `${path.join(REPO, 'package.json')}:${MOOR_DIR}/package.json:ro`,
    `${options.dockerSocket}:/var/run/docker.sock`,
    ...Object.entries(options.mounts ?? {}).map(([from, to]) => `${from}:${to}`),
  ];
  await runSystemdContainer(options.name, volumes);

  const exec = (args: string[], opts: { input?: string } = {}): Promise<ExecResult> =>
    docker(['exec', ...(opts.input !== undefined ? ['-i'] : []), options.name, ...args], opts);
  const box: SystemdBox = {
    name: options.name,
    exec,
    async sh(script) {
      const r = await exec(['sh', '-c', script]);
      if (r.code !== 0) throw new Error(`in ${options.name}: sh -c ${JSON.stringify(script)} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    moor: (args) => exec(['node', `${MOOR_DIR}/build/moor.cjs`, ...args]),
    async stop() {
      const logs = await docker(['exec', options.name, 'journalctl', '--no-pager', '-n', '400']).catch(() => null);
      if (logs) fs.appendFileSync(options.logFile, `--- journal of ${options.name}\n${logs.stdout}${logs.stderr}`);
      await docker(['rm', '-f', options.name]);
    },
  };
  // Wait for the boot to settle: "running" or "degraded" both mean systemd answers.
  for (let i = 0; i < 100; i++) {
    const state = await exec(['systemctl', 'is-system-running']);
    if (['running', 'degraded'].includes(state.stdout.trim())) return box;
    await new Promise((r) => setTimeout(r, 100));
  }
  await box.stop();
  throw new Error(`systemd in ${options.name} did not finish booting`);
}

/** Starts systemd as PID 1 in a container of the test image, host network. */
export async function runSystemdContainer(name: string, volumes: readonly string[]): Promise<void> {
  const run = await docker([
    'run', '-d', '--name', name, '--network', 'host', '--hostname', name,
    '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN', '--security-opt', 'seccomp=unconfined',
    '--tmpfs', '/run', '--tmpfs', '/run/lock', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw', '-e', 'container=docker',
    ...volumes.flatMap((v) => ['-v', v]),
    SYSTEMD_IMAGE, '/lib/systemd/systemd',
  ]);
  if (run.code !== 0) throw new Error(`docker run ${SYSTEMD_IMAGE} failed: ${run.stderr}`);
}
