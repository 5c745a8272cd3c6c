// Test bed for the fleet layer: a checkout of the fleet branch (a real git work tree) whose
// origin is a bare config repository, with helpers to write, commit and push files.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runGit } from '../../bed/git-repo.js';

export interface FleetCheckout {
  dir: string;
  write(files: Record<string, string>): void;
  /** Commits everything and pushes main; returns the commit. */
  commit(message: string): Promise<string>;
}

const IDENTITY = ['-c', 'user.name=Fleet Operator', '-c', 'user.email=ops@example.com'];

export async function createFleetCheckout(dir: string, originDir: string): Promise<FleetCheckout> {
  await runGit(['init', '-q', '-b', 'main', dir]);
  await runGit(['-C', dir, 'remote', 'add', 'origin', originDir]);
  return {
    dir,
    write(files) {
      for (const [rel, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        writeFileSync(path.join(dir, rel), text);
      }
    },
    async commit(message) {
      await runGit(['-C', dir, 'add', '-A']);
      await runGit(['-C', dir, ...IDENTITY, 'commit', '-q', '-m', message]);
      await runGit(['-C', dir, 'push', '-q', 'origin', 'main']);
      return (await runGit(['-C', dir, 'rev-parse', 'HEAD'])).trim();
    },
  };
}

/** A small fleet: everyone gets `monitoring`, cameras get `camera` with a per-site value. */
export function sampleFleet(hosts: Record<string, string>, image = 'local/busybox:1'): Record<string, string> {
  const files: Record<string, string> = {
    'fleet.yaml': `hostBranch: hosts/{host}
groups:
  - { name: everyone, select: {}, stacks: [monitoring] }
  - { name: cameras, select: "role=camera", stacks: [camera], values: { CAMERA_MODE: detect } }
rollout: { waves: [1, "50%", "100%"], maxFailures: 0 }
`,
    // The project name comes from the host's values, so that hosts sharing one engine in a test do not collide.
    'stacks/monitoring/compose.yaml': `name: "\${PROJECT:-fleet}"
services:
  telegraf:
    image: ${image}
    command: ["sleep", "3600"]
    network_mode: none
    stop_grace_period: 1s
    environment: { INFLUX_URL: "\${INFLUX_URL}", SITE: "\${SITE:-none}" }
`,
    'stacks/monitoring/.env': 'INFLUX_URL=http://influx:8086\n',
    'stacks/camera/compose.yaml': `services:
  frigate:
    image: ${image}
    command: ["sleep", "3600"]
    network_mode: none
    stop_grace_period: 1s
    environment: { MODE: "\${CAMERA_MODE}" }
`,
  };
  for (const [host, yaml] of Object.entries(hosts)) files[`hosts/${host}.yaml`] = yaml;
  return files;
}
