// A second private Docker engine for drills that stop or restart the engine under the agent, so
// that the shared test engine is never disturbed: test/bed/docker.sh with its own dirs
// (MOOR_BED_DIR; the socket path stays short), the test image copied in, stopped at the end.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');
const DOCKER_SH = resolve(REPO, 'test/bed/docker.sh');

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((done, fail) => {
    execFile(file, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${file} ${args.join(' ')}: ${stderr || err.message}`));
      else done(stdout);
    });
  });
}

export class SecondEngine {
  private constructor(
    readonly bedDir: string,
    readonly socket: string,
  ) {}

  /** Starts (idempotently) an engine with its own data under .test-bed/NAME, with `images` copied from the shared engine. */
  static async start(name = 'engine2', images: string[] = ['local/busybox:1']): Promise<SecondEngine> {
    const bedDir = resolve(REPO, '.test-bed', name);
    const env = { MOOR_BED_DIR: bedDir };
    await run('bash', [DOCKER_SH, 'start'], env);
    const socket = /MOOR_TEST_DOCKER_SOCK=(\S+)/.exec(await run('bash', [DOCKER_SH, 'env'], env))?.[1];
    if (!socket) throw new Error('docker.sh env gave no socket');
    const engine = new SecondEngine(bedDir, socket);
    const shared = process.env['MOOR_TEST_DOCKER_SOCK'];
    for (const image of images) {
      const have = await run('docker', ['-H', `unix://${socket}`, 'image', 'inspect', image]).then(() => true, () => false);
      if (have || !shared) continue;
      // docker save | docker load, through a shell pipe.
      await run('bash', ['-c', `docker -H unix://${shared} save ${image} | docker -H unix://${socket} load -q`]);
    }
    return engine;
  }

  stop(): Promise<string> {
    return run('bash', [DOCKER_SH, 'stop'], { MOOR_BED_DIR: this.bedDir });
  }

  /** The engine's dockerd pid, from its pidfile. */
  pid(): number {
    return Number(readFileSync(resolve(this.bedDir, 'docker.pid'), 'utf8').trim());
  }

  /** test/bed/docker.sh check: restarts the engine if it is wedged (`docker info` does not answer). */
  check(env: NodeJS.ProcessEnv = {}): Promise<string> {
    return run('bash', [DOCKER_SH, 'check'], { MOOR_BED_DIR: this.bedDir, ...env });
  }

  async restart(): Promise<void> {
    await this.stop();
    await run('bash', [DOCKER_SH, 'start'], { MOOR_BED_DIR: this.bedDir });
  }
}
