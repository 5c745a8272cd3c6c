// A host for fault drills and benchmarks: a real git http-backend server (optionally behind a
// gate that can be shut like a network cut), a real agent process, and checks that what the
// engine runs is exactly what the commit asked for (no duplicate, no orphan, right hashes).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { callAgent } from '../../agent/control/client.js';
import { DEFAULT_PROJECTS_DIR, loadDesiredState } from '../../agent/desired/load.js';
import { LABEL } from '../../agent/contracts/observed.js';
import type { StatusSnapshot } from '../../agent/contracts/status-model.js';
import type { SyncOutcome } from '../../agent/contracts/sync-outcome.js';
import type { PolicySettings } from '../../agent/settings/model.js';
import { startAgent, type AgentProcess } from '../bed/agent-process.js';
import { createTestRepo, type FileContent, type TestRepo } from '../bed/git-repo.js';
import { startGitServer, type GitServer } from '../bed/git-server.js';

export const DEFAULT_POLICY: PolicySettings = { selfHeal: true, prune: true, allowPrivileged: false, allowedBindRoots: ['/srv'], allowedFileRoots: ['/etc/moor-files'] };

/** `count` busybox services that sleep, stop at once, and carry `env` (same for all unless `envOf`). */
export function stackCompose(project: string, count: number, envOf: (i: number) => Record<string, string> = () => ({}), withName = true): string {
  const lines = withName ? [`name: ${project}`, 'services:'] : ['services:'];
  for (let i = 0; i < count; i++) {
    lines.push(`  s${String(i).padStart(2, '0')}:`, '    image: local/busybox:1', '    command: ["sleep", "86400"]', '    network_mode: none', '    stop_signal: SIGKILL', '    stop_grace_period: 1s');
    const env = envOf(i);
    if (Object.keys(env).length > 0) lines.push(`    environment: { ${Object.entries(env).map(([k, v]) => `${k}: "${v}"`).join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** A TCP gate in front of a port: shut() refuses and cuts connections, open() lets them through. */
export class TcpGate {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly targetPort: number) {}
  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address === 'object' && address) this.port = address.port;
    this.server = server;
  }
  async shut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface DrillHostOptions {
  host: string;
  project: string;
  dockerSocket: string;
  intervalMs?: number;
  /** A cron schedule (node-cron syntax) instead of the interval. */
  schedule?: string;
  /** Put the git server behind a TcpGate (for cutting it). */
  gate?: boolean;
  stateDir?: string;
  /** More agent.yaml lines (e.g. a hub: block). */
  extraYaml?: string;
  logDir?: string;
}

export class DrillHost {
  readonly branch: string;
  readonly dir: string;
  readonly stateDir: string;
  readonly config: string;
  readonly docker: Dockerode;
  agent: AgentProcess | null = null;
  private starts = 0;

  private constructor(
    readonly options: DrillHostOptions,
    readonly repo: TestRepo,
    readonly server: GitServer,
    readonly gate: TcpGate | null,
  ) {
    this.branch = `hosts/${options.host}`;
    this.dir = options.logDir ?? mkdtempSync(join(tmpdir(), 'moor-drill-'));
    this.stateDir = options.stateDir ?? join(this.dir, 'state');
    this.docker = new Dockerode({ socketPath: options.dockerSocket });
    const port = new URL(server.url).port;
    const url = gate ? `http://127.0.0.1:${gate.port}` : `http://127.0.0.1:${port}`;
    this.config = join(this.dir, 'agent.yaml');
    const when = options.schedule ? `schedule: "${options.schedule}"` : `interval: ${Math.max(1, Math.round((options.intervalMs ?? 60_000) / 1000))}s`;
    writeFileSync(
      this.config,
      `host: ${options.host}\nsource:\n  url: ${url}/${repo.name}\n  ${when}\ndocker: { socket: ${options.dockerSocket} }\nstateDir: ${this.stateDir}\n${options.extraYaml ?? ''}`,
    );
  }

  static async create(options: DrillHostOptions): Promise<DrillHost> {
    const repo = await createTestRepo({ bare: true });
    const server = await startGitServer({ projectRoot: repo.root, logFile: join(repo.root, 'git-http.log') });
    let gate: TcpGate | null = null;
    if (options.gate) {
      gate = new TcpGate(Number(new URL(server.url).port));
      await gate.open();
    }
    return new DrillHost(options, repo, server, gate);
  }

  get socket(): string {
    return join(this.stateDir, 'moor.sock');
  }

  start(env: NodeJS.ProcessEnv = {}): AgentProcess {
    this.starts += 1;
    this.agent = startAgent(this.config, { logFile: join(this.dir, `agent-${this.starts}.log`), env: { MOOR_LOG_LEVEL: 'info', ...env } });
    return this.agent;
  }

  commit(files: Record<string, FileContent>, message: string): Promise<string> {
    return this.repo.commitFiles(this.branch, files, message);
  }

  status(): Promise<StatusSnapshot> {
    return callAgent(this.socket, { verb: 'status' });
  }

  sync(): Promise<SyncOutcome> {
    return callAgent(this.socket, { verb: 'sync' });
  }

  /** Waits until the agent answers and has applied `commit` and is idle. */
  async waitApplied(commit: string, timeoutMs = 60_000): Promise<StatusSnapshot> {
    const deadline = Date.now() + timeoutMs;
    let last: StatusSnapshot | null = null;
    while (Date.now() < deadline) {
      if (this.agent?.exited()) throw new Error(`the agent exited; see ${this.agent.logFile}`);
      last = await this.status().catch(() => null);
      if (last?.revision.applied === commit && last.state !== 'syncing') return last;
      await sleep(50);
    }
    throw new Error(`not applied within ${timeoutMs} ms: ${commit}; last status ${JSON.stringify(last?.lastSync ?? null)}`);
  }

  async containers(): Promise<Dockerode.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL.host}=${this.options.host}`] } });
  }

  /** Everything that differs between the engine and `compose` (empty when converged). */
  async divergence(compose: string): Promise<string[]> {
    const tmp = mkdtempSync(join(tmpdir(), 'moor-drill-desired-'));
    writeFileSync(join(tmp, 'compose.yaml'), compose);
    const desired = await loadDesiredState(tmp, { policy: DEFAULT_POLICY, projectsDir: DEFAULT_PROJECTS_DIR });
    rmSync(tmp, { recursive: true, force: true });
    const want = new Map(desired.containers.map((c) => [c.name, c.hash]));
    const seen = new Map<string, number>();
    const out: string[] = [];
    for (const c of await this.containers()) {
      const name = (c.Names[0] ?? '').replace(/^\//, '');
      seen.set(name, (seen.get(name) ?? 0) + 1);
      const hash = want.get(name);
      if (hash === undefined) out.push(`orphan ${name} (${c.State})`);
      else if (c.Labels[LABEL.hash] !== hash) out.push(`${name} runs hash ${c.Labels[LABEL.hash]?.slice(0, 8)}, want ${hash.slice(0, 8)}`);
      else if (c.State !== 'running') out.push(`${name} is ${c.State}`);
    }
    for (const [name, n] of seen) if (n > 1) out.push(`duplicate ${name} x${n}`);
    for (const name of want.keys()) if (!seen.has(name)) out.push(`missing ${name}`);
    return out;
  }

  async close(): Promise<void> {
    await this.agent?.stop();
    const list = await this.containers().catch(() => []);
    await Promise.all(list.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    await this.gate?.shut();
    await this.server.stop();
    await this.repo.remove();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
