// `bash packaging/demo.sh`: moor for real on a sample host. A config repo served by git
// http-backend on 127.0.0.1, a fleet hub with its dashboard, and the agent applying the host's
// branch to the Docker engine given. Edit, commit and push in .demo/work to see it converge.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestRepo } from '../../test/bed/git-repo.js';
import { startGitServer } from '../../test/bed/git-server.js';
import { callAgent } from '../../agent/control/client.js';

const ROOT = resolve(process.cwd());
const DEMO = join(ROOT, '.demo');
const MAIN = join(ROOT, 'build/moor.cjs');
const HOST = 'demo-01';
const HUB_PORT = Number(process.env.MOOR_DEMO_HUB_PORT ?? 7070);
// The web service shares the machine's network: the test suite gives it a port no one else has.
const WEB_PORT = Number(process.env.MOOR_DEMO_WEB_PORT ?? 8080);
const socket = process.argv[2] ?? '/var/run/docker.sock';
const checkOnly = process.argv.includes('--check');

const COMPOSE = `# The demo host's containers. Change something, commit, push: moor converges.
name: demo
services:
  web:
    image: local/busybox:1
    # httpd as PID 1 would ignore SIGTERM and each replacement would wait out the 10 s stop
    # timeout: the shell stays PID 1 and exits on TERM, so a push converges in about two seconds.
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www && echo \\"hello from $$GREETING\\" > /www/index.html && httpd -f -p 127.0.0.1:${WEB_PORT} -h /www & wait"]
    network_mode: host
    environment:
      GREETING: moor
    # The engine runs the first check one interval after the start: the health gate waits that long.
    healthcheck: { test: ["CMD-SHELL", "nc -w 1 127.0.0.1 ${WEB_PORT} </dev/null"], interval: 500ms, retries: 3 }
    restart: unless-stopped
  worker:
    image: local/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do date; sleep 30 & wait $$!; done"]
    network_mode: none
    depends_on:
      web: { condition: service_healthy }
    restart: unless-stopped
`;

const MANIFEST = `# moor's own manifest for this host (optional).
rollout: { healthTimeout: 30s, rollback: true }
`;

const run = promisify(execFile);

/** Everything the demo started, stopped whatever happens. */
const children: ChildProcess[] = [];

async function waitForHub(): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${HUB_PORT}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
      throw new Error(`the hub did not come up on 127.0.0.1:${HUB_PORT} (port taken? see .demo/hub.log)`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function moorCli(args: string[]): string {
  return execFileSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, MOOR_LOG_LEVEL: 'warn' } });
}

async function main(): Promise<void> {
  rmSync(DEMO, { recursive: true, force: true });
  mkdirSync(DEMO, { recursive: true });
  const logs = (name: string): number => openSync(join(DEMO, name), 'a');

  // The config repo, with the host's branch, served over smart HTTP (pushes allowed).
  const repo = await createTestRepo({ root: join(DEMO, 'git'), bare: true });
  await repo.git(['config', 'http.receivepack', 'true']);
  const first = await repo.commitFiles(`hosts/${HOST}`, { 'compose.yaml': COMPOSE, 'moor.yaml': MANIFEST }, 'demo host: web and worker');
  await repo.git(['symbolic-ref', 'HEAD', `refs/heads/hosts/${HOST}`]);
  const server = await startGitServer({ projectRoot: repo.root, logFile: join(DEMO, 'git-http.log') });
  const url = `${server.url}/${repo.name}`;

  // The hub, with a token for the host and a push webhook secret.
  writeFileSync(join(DEMO, 'webhook-secret'), 'demo-webhook-secret\n', { mode: 0o600 });
  writeFileSync(
    join(DEMO, 'hub.yaml'),
    `listen: 127.0.0.1:${HUB_PORT}\ndatabase: ${join(DEMO, 'hub.db')}\nofflineAfter: 30s\nwebhookSecretFile: ${join(DEMO, 'webhook-secret')}\n`,
  );
  const token = moorCli(['hub', 'token', 'add', HOST, '--config', join(DEMO, 'hub.yaml')]).trim().split('\n').pop() ?? '';
  writeFileSync(join(DEMO, 'hub-token'), `${token}\n`, { mode: 0o600 });
  // The dashboard and API answer no one anonymously: an admin for you, its token in a file.
  const adminToken = moorCli(['hub', 'user', 'add', 'demo-admin', '--role', 'admin', '--config', join(DEMO, 'hub.yaml')]).trim().split('\n').pop() ?? '';
  writeFileSync(join(DEMO, 'dashboard-token'), `${adminToken}\n`, { mode: 0o600 });
  const hub = spawn(process.execPath, [MAIN, 'hub', '--config', join(DEMO, 'hub.yaml')], { stdio: ['ignore', logs('hub.log'), logs('hub.log')] });
  children.push(hub);
  await waitForHub();

  // A post-receive hook tells the hub, which tells the agent: push to converged in about two seconds.
  const hook = join(repo.gitDir, 'hooks', 'post-receive');
  const notify = join(ROOT, 'build/packaging/demo/notify-hub.js');
  writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" "${notify}" "http://127.0.0.1:${HUB_PORT}/webhook" "${join(DEMO, 'webhook-secret')}"\n`);
  chmodSync(hook, 0o755);

  // The agent's own configuration.
  const systemd = existsSync('/run/systemd/system');
  writeFileSync(
    join(DEMO, 'agent.yaml'),
    `host: ${HOST}
source:
  url: ${url}
  interval: 30s
docker: { socket: ${socket} }
systemd: { enabled: ${systemd} }
policy: { allowedFileRoots: [${join(DEMO, 'files')}] }
hub: { url: "ws://127.0.0.1:${HUB_PORT}/agent", tokenFile: ${join(DEMO, 'hub-token')}, heartbeat: 15s }
stateDir: ${join(DEMO, 'state')}
`,
  );
  // Async: the git server runs in this process and must keep answering during the clone.
  await run('git', ['clone', '-q', '-b', `hosts/${HOST}`, url, join(DEMO, 'work')]);
  await run('git', ['-C', join(DEMO, 'work'), 'config', 'user.email', 'you@example.com']);
  await run('git', ['-C', join(DEMO, 'work'), 'config', 'user.name', 'Demo Operator']);

  const agent = spawn(process.execPath, [MAIN, 'agent', '--config', join(DEMO, 'agent.yaml')], {
    stdio: checkOnly ? ['ignore', logs('agent.log'), logs('agent.log')] : 'inherit',
  });
  children.push(agent);
  const stop = async (code: number): Promise<never> => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await server.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  const cli = `node build/moor.cjs --config ${join(DEMO, 'agent.yaml')}`;
  process.stderr.write(`
moor demo: host ${HOST} follows branch hosts/${HOST} of ${url}
  dashboard:   http://127.0.0.1:${HUB_PORT}/   (log in with the token in .demo/dashboard-token)
  change it:   cd .demo/work && $EDITOR compose.yaml && git commit -am "..." && git push
  look at it:  ${cli} status        (also: plan, history, sync, suspend --for 1h, resume)
  the web service answers on http://127.0.0.1:${WEB_PORT}/
  Ctrl-C stops the agent, the hub and the git server (containers keep running, as on a real host).

`);
  if (checkOnly) await stop(await checkDemo(first, adminToken));
}

interface DemoStatus {
  revision?: { applied: string | null };
  hub?: { connected: boolean } | null;
}

/** The agent's status through its control socket, or an empty one while it starts. Async: the
 *  git server the agent fetches from runs in this process and must keep answering. */
async function demoStatus(): Promise<DemoStatus> {
  const socket = join(DEMO, 'state', 'moor.sock');
  return await callAgent(socket, { verb: 'status' }).catch((): DemoStatus => ({}));
}

/** `--check`: the host converges and connects, the hub answers only with a token, a push
 *  converges. Returns the exit code; on failure says why, with the end of the agent's log. */
async function checkDemo(first: string, adminToken: string): Promise<number> {
  const deadline = Date.now() + 120_000;
  let status: DemoStatus = {};
  while (Date.now() < deadline) {
    status = await demoStatus();
    if (status.revision?.applied === first && status.hub?.connected) {
      const hubUrl = `http://127.0.0.1:${HUB_PORT}/api/hosts/${HOST}`;
      const anonymous = (await fetch(hubUrl)).status;
      const admin = (await fetch(hubUrl, { headers: { authorization: `Bearer ${adminToken}` } })).status;
      if (anonymous !== 401 || admin !== 200) {
        process.stderr.write(`demo check: the hub answered ${anonymous} without a token and ${admin} with the admin's (expected 401 and 200)\n`);
        return 1;
      }
      process.stderr.write(`demo check: converged on ${first.slice(0, 12)} and connected to the hub\n`);
      const seconds = await timePush();
      process.stderr.write(`demo check: a push converged ${seconds.toFixed(1)} s later\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stderr.write(`demo check: did not converge within 120 s; the agent's status:\n${JSON.stringify(status, null, 2)}\n`);
  process.stderr.write(`the end of .demo/agent.log:\n${tailOf(join(DEMO, 'agent.log'), 60)}\n`);
  return 1;
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(unreadable: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/** What the README promises: edit, commit, push in .demo/work; seconds until the host runs it. */
async function timePush(): Promise<number> {
  const work = join(DEMO, 'work');
  writeFileSync(join(work, 'compose.yaml'), COMPOSE.replace('GREETING: moor', 'GREETING: a push'));
  await run('git', ['-C', work, 'commit', '-qam', 'demo check: a new greeting']);
  const head = (await run('git', ['-C', work, 'rev-parse', 'HEAD'])).stdout.trim();
  const started = Date.now();
  await run('git', ['-C', work, 'push', '-q']);
  for (;;) {
    const status = await demoStatus();
    if (status.revision?.applied === head) return (Date.now() - started) / 1000;
    if (Date.now() - started > 60_000) throw new Error('a push did not converge within 60 s; see .demo/agent.log');
    await new Promise((r) => setTimeout(r, 50));
  }
}

await main().catch((err: unknown) => {
  for (const c of children) c.kill('SIGTERM');
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
