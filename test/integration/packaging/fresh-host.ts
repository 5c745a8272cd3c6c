// A fresh host for the packaging test: the test bed's systemd container with nothing of moor's
// in it (no node, no build), only the packages and the test engine's socket mounted.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { docker, runSystemdContainer, type ExecResult } from '../../bed/systemd.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface FreshHost {
  name: string;
  exec(args: string[]): Promise<ExecResult>;
  /** `sh -c SCRIPT`; throws with the output on a non-zero exit. */
  sh(script: string): Promise<string>;
  stop(): Promise<void>;
}

export interface FreshHostOptions {
  name: string;
  /** The test engine's socket, mounted as /run/docker.sock. */
  dockerSocket: string;
  /** host path -> path inside, read-only. */
  mounts: Record<string, string>;
  logFile: string;
}

function ensureImage(logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(REPO, 'test/bed/systemd-image.sh')], { timeout: 600_000 }, (err, stdout, stderr) => {
      fs.appendFileSync(logFile, stdout + stderr);
      if (err) reject(new Error(`test/bed/systemd-image.sh failed; see ${logFile}`));
      else resolve();
    });
  });
}

export async function startFreshHost(options: FreshHostOptions): Promise<FreshHost> {
  await ensureImage(options.logFile);
  await docker(['rm', '-f', options.name]);
  const volumes = [`${options.dockerSocket}:/run/docker.sock`, ...Object.entries(options.mounts).map(([from, to]) => `${from}:${to}:ro`)];
  await runSystemdContainer(options.name, volumes);
  const exec = (args: string[]): Promise<ExecResult> => docker(['exec', options.name, ...args]);
  const host: FreshHost = {
    name: options.name,
    exec,
    async sh(script) {
      const r = await exec(['sh', '-c', script]);
      if (r.code !== 0) throw new Error(`in ${options.name}: ${script} exited ${r.code}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      const logs = await exec(['journalctl', '--no-pager', '-n', '300']).catch(() => null);
      if (logs) fs.appendFileSync(options.logFile, `--- journal of ${options.name}\n${logs.stdout}${logs.stderr}`);
      await docker(['rm', '-f', options.name]);
    },
  };
  for (let i = 0; i < 150; i++) {
    const state = (await exec(['systemctl', 'is-system-running'])).stdout.trim();
    if (state === 'running' || state === 'degraded') return host;
    await new Promise((r) => setTimeout(r, 100));
  }
  await host.stop();
  throw new Error(`systemd in ${options.name} did not finish booting`);
}
