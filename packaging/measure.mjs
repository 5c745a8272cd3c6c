// Measures the single binary against the same build run with node: `moor version` wall time,
// agent start to first sync under way and to converged, and RSS once idle. Prints a table.
// usage (test engine up, images built, after npm run build and npm run package):
//   eval "$(bash test/bed/docker.sh env)"; node packaging/measure.mjs [dist/moor]

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Dockerode from 'dockerode';
import { createTestRepo } from '../build/test/bed/git-repo.js';
import { startGitServer } from '../build/test/bed/git-server.js';

const BIN = resolve(process.argv[2] ?? 'dist/moor');
const MAIN = resolve('build/moor.cjs');
const RUNS = 10;
const sock = process.env.MOOR_TEST_DOCKER_SOCK;
if (!sock) throw new Error('MOOR_TEST_DOCKER_SOCK unset: eval "$(bash test/bed/docker.sh env)"');
const work = mkdtempSync(join(tmpdir(), 'moor-measure-'));
const modes = { binary: [BIN], node: [process.execPath, MAIN] };
const env = { ...process.env, CACHE_DIRECTORY: join(work, 'cache') };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function versionTime(cmd) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'version'], { env });
    if (r.status !== 0) throw new Error(String(r.stderr));
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function agentRun(name, cmd, url, repoName) {
  const host = `measure-${name}-${process.pid}`;
  const dir = join(work, host);
  spawnSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'agent.yaml'), `host: ${host}\nsource: { url: ${url}/${repoName}, branch: main, interval: 60s }\ndocker: { socket: ${sock} }\nsystemd: { enabled: false }\nstateDir: ${join(dir, 'state')}\n`);
  const log = join(dir, 'agent.log');
  const fd = openSync(log, 'a');
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd[0], [...cmd.slice(1), 'agent', '--config', join(dir, 'agent.yaml')], { env, stdio: ['ignore', fd, fd] });
  const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
  let underWay = null;
  let converged = null;
  while (converged === null && since() < 60_000) {
    const text = readFileSync(log, 'utf8');
    if (underWay === null && text.includes('applying commit')) underWay = since();
    if (text.includes('"converged"')) converged = since();
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 10_000));
  const rss = rssKb(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  const docker = new Dockerode({ socketPath: sock });
  for (const c of await docker.listContainers({ all: true, filters: { label: [`moor.host=${host}`] } })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
  return { underWay, converged, rss };
}

const repo = await createTestRepo({ bare: true });
await repo.commitFiles('main', { 'compose.yaml': 'name: measure\nservices:\n  web:\n    image: local/busybox:1\n    command: ["sleep", "3600"]\n    network_mode: none\n    stop_grace_period: 1s\n' }, 'one service');
const server = await startGitServer({ projectRoot: repo.root, logFile: join(work, 'git-http.log') });
const rows = [];
for (const [name, cmd] of Object.entries(modes)) {
  const version = versionTime(cmd);
  // Per-service container names differ by project name only: run one agent at a time.
  const a = await agentRun(name, cmd, server.url, repo.name);
  rows.push({ mode: name, 'version (ms)': version.toFixed(0), 'start→sync under way (ms)': a.underWay?.toFixed(0), 'start→converged (ms)': a.converged?.toFixed(0), 'RSS idle (MB)': (a.rss / 1024).toFixed(1) });
}
await server.stop();
await repo.remove();
console.table(rows);
