// `bash packaging/demo.sh --fleet`: a fleet of three sample hosts from one fleet branch. A config
// repo served by git http-backend on 127.0.0.1 holds `main` (fleet.yaml, stacks/, hosts/);
// `moor fleet publish` renders it onto hosts/<host>, and three agents apply their branches and
// report to a hub whose dashboard lists them with their labels. `--check` also asks the hub's
// API that the three are online on the published commit.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createTestRepo } from '../../test/bed/git-repo.js';
import { startGitServer } from '../../test/bed/git-server.js';
import { hubAgrees, hubHosts, startDemoHub, type DemoHub } from './fleet-demo-hub.js';

const ROOT = resolve(process.cwd());
const DEMO = join(ROOT, '.demo-fleet');
const MAIN = join(ROOT, 'build/moor.cjs');
const socket = process.argv[2] ?? '/var/run/docker.sock';
const checkOnly = process.argv.includes('--check');
const run = promisify(execFile);

const LABELS: Record<string, Record<string, string>> = {
  'demo-berlin-1': { role: 'camera', site: 'berlin' },
  'demo-berlin-2': { role: 'gateway', site: 'berlin' },
  'demo-paris-1': { role: 'camera', site: 'paris' },
};

const HOSTS: Record<string, string> = {
  'demo-berlin-1': 'labels: { site: berlin, role: camera }\nvalues: { PROJECT: demo-berlin-1 }\n',
  'demo-berlin-2': 'labels: { site: berlin, role: gateway }\nvalues: { PROJECT: demo-berlin-2 }\n',
  'demo-paris-1': 'labels: { site: paris, role: camera }\nvalues: { PROJECT: demo-paris-1, GREETING: bonjour }\n',
};

const FILES: Record<string, string> = {
  'fleet.yaml': `# Which hosts get which stacks. Edit, commit, then: moor fleet plan / moor fleet publish
hostBranch: hosts/{host}
groups:
  - { name: everyone, select: {}, stacks: [monitoring] }
  - { name: cameras, select: "role=camera", stacks: [camera], values: { CAMERA_MODE: detect } }
rollout: { waves: [1, "100%"], maxFailures: 0 }
`,
  'stacks/monitoring/compose.yaml': `name: "\${PROJECT}"
services:
  telegraf:
    image: local/busybox:1
    command: ["sh", "-c", "while true; do echo \\"$$GREETING from $$HOSTNAME -> $$INFLUX_URL\\"; sleep 30; done"]
    network_mode: none
    stop_grace_period: 1s
    environment: { INFLUX_URL: "\${INFLUX_URL}", GREETING: "\${GREETING:-hello}" }
`,
  'stacks/monitoring/.env': 'INFLUX_URL=http://influx.example:8086\n',
  'stacks/camera/compose.yaml': `services:
  recorder:
    image: local/busybox:1
    command: ["sleep", "infinity"]
    network_mode: none
    stop_grace_period: 1s
    environment: { MODE: "\${CAMERA_MODE}" }
`,
  ...Object.fromEntries(Object.entries(HOSTS).map(([h, y]) => [`hosts/${h}.yaml`, y])),
};

const children: ChildProcess[] = [];
const cli = (args: string[]): Promise<{ stdout: string }> => run(process.execPath, [MAIN, ...args], { env: { ...process.env, MOOR_LOG_LEVEL: 'warn' } });
const git = (args: string[]): Promise<unknown> => run('git', ['-C', join(DEMO, 'fleet'), '-c', 'user.name=Demo Operator', '-c', 'user.email=you@example.com', ...args]);

const tipOf = async (host: string): Promise<string> => (await run('git', ['--git-dir', join(DEMO, 'git/config.git'), 'rev-parse', `refs/heads/hosts/${host}`])).stdout.trim();

async function appliedEverywhere(): Promise<boolean> {
  for (const host of Object.keys(HOSTS)) {
    const tip = await tipOf(host);
    const status = await cli(['--config', join(DEMO, host, 'agent.yaml'), '--json', 'status']).catch(() => ({ stdout: '{}' }));
    if ((JSON.parse(status.stdout) as { revision?: { applied?: string } }).revision?.applied !== tip) return false;
  }
  return true;
}

async function waitApplied(what: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!(await appliedEverywhere())) {
    if (Date.now() > deadline) throw new Error(`${what}: the three hosts did not converge within 180 s; see ${DEMO}/*/agent.log`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  process.stderr.write(`fleet demo: ${what}: all three hosts converged\n`);
}

/** The hub's own view (its API, as the dashboard reads it): the three online, on their branch tips, with their labels. */
async function waitHub(hub: DemoHub, what: string): Promise<void> {
  const tips = new Map(await Promise.all(Object.keys(HOSTS).map(async (h): Promise<[string, string]> => [h, await tipOf(h)])));
  const deadline = Date.now() + 120_000;
  let why = await hubAgrees(hub, tips, new Map(Object.entries(LABELS)));
  while (why !== null) {
    if (Date.now() > deadline) throw new Error(`${what}: the hub does not show the three hosts on the published commit: ${why}; see ${DEMO}/hub.log`);
    await new Promise((r) => setTimeout(r, 1000));
    why = await hubAgrees(hub, tips, new Map(Object.entries(LABELS)));
  }
  const cameras = (await hubHosts(hub, 'role=camera')).map((v) => v.host).sort();
  if (cameras.join(',') !== 'demo-berlin-1,demo-paris-1') throw new Error(`${what}: the hub's selector role=camera lists ${cameras.join(', ') || 'nothing'}`);
  process.stderr.write(`fleet demo: ${what}: the hub shows the three hosts online on their published commits (role=camera: ${cameras.join(', ')})\n`);
}

async function main(): Promise<void> {
  rmSync(DEMO, { recursive: true, force: true });
  mkdirSync(DEMO, { recursive: true });
  const repo = await createTestRepo({ root: join(DEMO, 'git'), bare: true });
  await repo.git(['config', 'http.receivepack', 'true']);
  const server = await startGitServer({ projectRoot: repo.root, logFile: join(DEMO, 'git-http.log') });
  const url = `${server.url}/${repo.name}`;

  // The fleet branch, in a checkout whose origin is the served repo.
  await run('git', ['init', '-q', '-b', 'main', join(DEMO, 'fleet')]);
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(DEMO, 'fleet', rel)), { recursive: true });
    writeFileSync(join(DEMO, 'fleet', rel), text);
  }
  await git(['remote', 'add', 'origin', url]);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'fleet: three sample hosts']);
  await git(['push', '-q', 'origin', 'main']);
  process.stderr.write((await cli(['fleet', 'publish', '--repo', join(DEMO, 'fleet')])).stdout);

  const hub = await startDemoHub(DEMO, MAIN, Object.keys(HOSTS), checkOnly);
  children.push(hub.child);
  for (const host of Object.keys(HOSTS)) {
    mkdirSync(join(DEMO, host));
    writeFileSync(
      join(DEMO, host, 'agent.yaml'),
      `host: ${host}\nsource:\n  url: ${url}\n  interval: 5s\ndocker: { socket: ${socket} }\nsystemd: { enabled: false }\nstateDir: ${join(DEMO, host, 'state')}\n` +
        `hub: { url: "${hub.agentUrl}", tokenFile: ${hub.tokenFile(host)}, heartbeat: 5s }\n`,
    );
    const log = openSync(join(DEMO, host, 'agent.log'), 'a');
    children.push(spawn(process.execPath, [MAIN, 'agent', '--config', join(DEMO, host, 'agent.yaml')], { stdio: ['ignore', log, log] }));
  }
  const stop = async (code: number): Promise<never> => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await server.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  const moor = 'node build/moor.cjs';
  process.stderr.write(`
moor fleet demo: three hosts (${Object.keys(HOSTS).join(', ')}) follow hosts/<host> of ${url}
  the fleet branch: .demo-fleet/fleet (fleet.yaml, stacks/, hosts/)
  change it:   cd .demo-fleet/fleet && $EDITOR stacks/monitoring/.env && git commit -am "..." && git push
  see it:      ${moor} fleet plan --repo .demo-fleet/fleet
  publish it:  ${moor} fleet publish --repo .demo-fleet/fleet
  each host:   ${moor} --config .demo-fleet/<host>/agent.yaml status
  dashboard:   ${hub.url}/   (log in with the admin token in .demo-fleet/dashboard-token;
               type role=camera in the Labels field to see the two cameras)
  Ctrl-C stops the agents, the hub and the git server.

`);
  await waitApplied('first publish');
  await waitHub(hub, 'first publish');
  if (!checkOnly) return;
  writeFileSync(join(DEMO, 'fleet/stacks/monitoring/.env'), 'INFLUX_URL=http://influx-2.example:8086\n');
  await git(['commit', '-q', '-am', 'monitoring: new influx']);
  await git(['push', '-q', 'origin', 'main']);
  process.stderr.write((await cli(['fleet', 'publish', '--repo', join(DEMO, 'fleet')])).stdout);
  await waitApplied('one commit on main');
  await waitHub(hub, 'one commit on main');
  process.stderr.write('fleet demo check: one commit on main reached the three hosts\n');
  await stop(0);
}

await main().catch((err: unknown) => {
  for (const c of children) c.kill('SIGTERM');
  process.stderr.write(`fleet demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
