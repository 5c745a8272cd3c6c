// Reconcile speed on the same engine and the same 20-service stack: moor (a real agent process,
// synced through its control socket) against `docker-compose up -d` (Debian's 1.29) and against
// the floor, the same engine calls made directly with dockerode at moor's concurrency (4).

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { DrillHost, stackCompose } from '../test/drills/drill-host.js';
import { median, ms, Report, table, timed } from './lib/report.js';

const SERVICES = 20;
const CONCURRENCY = 4;
type Phase = 'first deploy' | 'no-op' | 'one env change' | 'teardown';
const PHASES: Phase[] = ['first deploy', 'no-op', 'one env change', 'teardown'];
interface Sample { ms: number; replaced: number }

const envOf = (changed: boolean) => (i: number): Record<string, string> => ({ LOG_LEVEL: i === 5 && changed ? 'debug' : 'info' });

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

function compose(args: string[], dir: string, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('docker-compose', ['-p', 'cbench', '-f', join(dir, 'docker-compose.yml'), ...args], { env: { ...process.env, DOCKER_HOST: `unix://${socket}` } }, (err, _out, stderr) =>
      err ? reject(new Error(`docker-compose ${args.join(' ')}: ${stderr}`)) : resolve(),
    );
  });
}

async function idsOf(docker: Dockerode, label: string): Promise<Map<string, string>> {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  return new Map(list.map((c) => [(c.Names[0] ?? '').slice(1), c.Id]));
}
const replacedBetween = (a: Map<string, string>, b: Map<string, string>): number => [...b].filter(([n, id]) => a.has(n) && a.get(n) !== id).length;

/** The floor: what any tool must ask the engine for, nothing else. */
class Floor {
  constructor(private readonly docker: Dockerode) {}
  private spec(i: number, changed: boolean): Dockerode.ContainerCreateOptions {
    const env = envOf(changed)(i);
    return {
      name: `floor-s${String(i).padStart(2, '0')}`,
      Image: 'local/busybox:1',
      Cmd: ['sleep', '86400'],
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: { 'bench.floor': 'true' },
      StopSignal: 'SIGKILL',
      StopTimeout: 1,
      HostConfig: { NetworkMode: 'none' },
    };
  }
  async up(): Promise<void> {
    await pool([...Array(SERVICES).keys()], CONCURRENCY, async (i) => (await this.docker.createContainer(this.spec(i, false))).start());
  }
  async noop(): Promise<void> {
    await this.docker.listContainers({ all: true, filters: { label: ['bench.floor=true'] } });
  }
  async change(): Promise<void> {
    await this.noop();
    const c = this.docker.getContainer('floor-s05');
    await c.stop({ t: 1 });
    await c.remove();
    await (await this.docker.createContainer(this.spec(5, true))).start();
  }
  async down(): Promise<void> {
    const list = await this.docker.listContainers({ all: true, filters: { label: ['bench.floor=true'] } });
    await pool(list, CONCURRENCY, (c) => this.docker.getContainer(c.Id).remove({ force: true }));
  }
}

export async function reconcileBench(report: Report, options: { socket: string; rounds: number }): Promise<void> {
  const docker = new Dockerode({ socketPath: options.socket });
  const dir = mkdtempSync(join(tmpdir(), 'moor-bench-compose-'));
  const floor = new Floor(docker);
  const drill = await DrillHost.create({ host: `bench-rec-${process.pid}`, project: 'mbench', dockerSocket: options.socket, intervalMs: 3_600_000 });
  const samples: Record<'moor' | 'compose' | 'floor', Record<Phase, Sample[]>> = {
    moor: { 'first deploy': [], 'no-op': [], 'one env change': [], teardown: [] },
    compose: { 'first deploy': [], 'no-op': [], 'one env change': [], teardown: [] },
    floor: { 'first deploy': [], 'no-op': [], 'one env change': [], teardown: [] },
  };
  const noopRoundTrips: number[] = [];
  try {
    await drill.commit({ 'compose.yaml': 'name: mbench\nservices: {}\n' }, 'empty');
    drill.start();
    await drill.waitApplied((await drill.repo.git(['rev-parse', drill.branch])).trim());
    const mlabel = `moor.host=bench-rec-${process.pid}`;
    for (let round = 0; round < options.rounds; round++) {
      // moor
      await drill.commit({ 'compose.yaml': stackCompose('mbench', SERVICES, envOf(false)) }, `deploy ${round}`);
      let t = await timed(() => drill.sync());
      samples.moor['first deploy'].push({ ms: t.ms, replaced: 0 });
      drill.server.resetStats();
      t = await timed(() => drill.sync());
      noopRoundTrips.push(drill.server.stats().requests);
      samples.moor['no-op'].push({ ms: t.ms, replaced: t.value.changes.length });
      let before = await idsOf(docker, mlabel);
      await drill.commit({ 'compose.yaml': stackCompose('mbench', SERVICES, envOf(true)) }, `env ${round}`);
      t = await timed(() => drill.sync());
      samples.moor['one env change'].push({ ms: t.ms, replaced: replacedBetween(before, await idsOf(docker, mlabel)) });
      await drill.commit({ 'compose.yaml': 'name: mbench\nservices: {}\n' }, `teardown ${round}`);
      t = await timed(() => drill.sync());
      samples.moor.teardown.push({ ms: t.ms, replaced: 0 });
      if (t.value.result !== 'converged') process.stderr.write(`moor teardown: ${t.value.result}\n`);

      // docker-compose
      const file = join(dir, 'docker-compose.yml');
      writeFileSync(file, stackCompose('cbench', SERVICES, envOf(false), false));
      let c = await timed(() => compose(['up', '-d'], dir, options.socket));
      samples.compose['first deploy'].push({ ms: c.ms, replaced: 0 });
      before = await idsOf(docker, 'com.docker.compose.project=cbench');
      c = await timed(() => compose(['up', '-d'], dir, options.socket));
      samples.compose['no-op'].push({ ms: c.ms, replaced: replacedBetween(before, await idsOf(docker, 'com.docker.compose.project=cbench')) });
      before = await idsOf(docker, 'com.docker.compose.project=cbench');
      writeFileSync(file, stackCompose('cbench', SERVICES, envOf(true), false));
      c = await timed(() => compose(['up', '-d'], dir, options.socket));
      samples.compose['one env change'].push({ ms: c.ms, replaced: replacedBetween(before, await idsOf(docker, 'com.docker.compose.project=cbench')) });
      c = await timed(() => compose(['down'], dir, options.socket));
      samples.compose.teardown.push({ ms: c.ms, replaced: 0 });

      // the floor
      for (const [phase, fn] of [['first deploy', () => floor.up()], ['no-op', () => floor.noop()], ['one env change', () => floor.change()], ['teardown', () => floor.down()]] as const) {
        const f = await timed(fn);
        samples.floor[phase].push({ ms: f.ms, replaced: phase === 'one env change' ? 1 : 0 });
      }
    }
  } finally {
    await drill.close();
    await floor.down().catch(() => undefined);
    await compose(['down'], dir, options.socket).catch(() => undefined);
  }

  const rows = PHASES.map((phase) => {
    const m = median(samples.moor[phase].map((s) => s.ms));
    const c = median(samples.compose[phase].map((s) => s.ms));
    const f = median(samples.floor[phase].map((s) => s.ms));
    const ratios = samples.moor[phase].map((s, i) => (s.ms / (samples.compose[phase][i]?.ms ?? NaN)).toFixed(2)).join(', ');
    const replaced = (k: 'moor' | 'compose') => samples[k][phase].map((s) => s.replaced).join('/');
    return [phase, ms(m), ms(c), ms(f), (m / c).toFixed(2), ratios, (m / f).toFixed(2), replaced('moor'), replaced('compose')];
  });
  report.section(`Reconcile speed: ${SERVICES} services of local/busybox:1, network_mode none, ${options.rounds} rounds`, [
    'moor: a real agent process, each sync asked for through its control socket (fetch, plan, apply, health gate; no CLI start-up).',
    `docker-compose: \`docker-compose -p cbench up -d\` / \`down\` (1.29, a Python process per call). Floor: dockerode, the same create/start/stop/remove calls at concurrency ${CONCURRENCY}.`,
    '',
    ...table(['phase', 'moor (median)', 'docker-compose', 'floor', 'moor / compose', 'ratio per round', 'moor / floor', 'replaced by moor', 'replaced by compose'], rows),
    '',
    `git round trips of moor's no-op sync: ${noopRoundTrips.join(', ')}.`,
  ]);
  const ratio = (phase: Phase): number => median(samples.moor[phase].map((s) => s.ms)) / median(samples.compose[phase].map((s) => s.ms));
  const envReplaced = samples.moor['one env change'].map((s) => s.replaced);
  report.bar({ what: 'no-op sync, 20 services', bar: '≤ 0.2 × docker-compose up -d; 1 HTTP round trip', measured: `${ratio('no-op').toFixed(3)} ×, ${Math.max(...noopRoundTrips)} round trip(s), ${Math.max(...samples.moor['no-op'].map((s) => s.replaced))} replaced`, met: ratio('no-op') <= 0.2 && Math.max(...noopRoundTrips) <= 1 });
  report.bar({ what: 'first deploy of 20 services', bar: '≤ 0.8 × docker-compose', measured: `${ratio('first deploy').toFixed(2)} ×`, met: ratio('first deploy') <= 0.8 });
  report.bar({ what: "one service's env changed", bar: 'only that container replaced; ≤ 0.5 × docker-compose', measured: `${ratio('one env change').toFixed(2)} ×, replaced ${envReplaced.join('/')}`, met: ratio('one env change') <= 0.5 && envReplaced.every((n) => n === 1) });
}
