// Test helper: runs `moor hub` as a real child process on a loopback port (output to files),
// issues tokens through the real CLI, and builds agent-side fixtures (status, reporter settings).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StatusSnapshot } from '../../../agent/contracts/status-model.js';
import { hubDatabaseYaml } from '../../bed/postgres-db.js';
import { freePort } from '../../bed/free-port.js';
export { freePort };

/** The real `moor` entry (build/moor.cjs, the node build); the hub's own small entry when it is not built. */
const MAIN = resolve(import.meta.dirname, '../../../moor.cjs');
export const HUB_ENTRY = existsSync(MAIN) ? MAIN : resolve(import.meta.dirname, '../../../hub/dev-main.js');

export interface HubFixture {
  dir: string;
  config: string;
  port: number;
  url: string;
  secret: string;
  /** An admin's API token, created with the fixture; and the /metrics scrape token. */
  adminToken: string;
  metricsToken: string;
  addToken(host: string): string;
  /** `moor hub user add NAME --role ROLE`: returns the printed token. */
  addUser(name: string, role: 'viewer' | 'operator' | 'admin'): string;
  revokeUser(name: string): void;
  /** fetch against the hub with the admin's bearer token (or `token`). */
  fetch(path: string, init?: RequestInit, token?: string): Promise<Response>;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  log(): string;
  /** The running hub's process id (0 when stopped). */
  pid(): number;
}

/**
 * A hub in a temp folder. `database` is hub.yaml's `database:` line: by default a SQLite file, or a
 * fresh PostgreSQL database when MOOR_TEST_HUB_DB=postgres (two hubs share one by passing the same line).
 * `entry` replaces the `moor hub` command line (the rollout simulation's hub).
 */
export async function hubFixture(extraYaml = '', database?: string, entry?: (config: string) => string[]): Promise<HubFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'moor-hub-'));
  const port = await freePort();
  const secret = 'webhook-secret-for-tests';
  writeFileSync(join(dir, 'webhook-secret'), secret + '\n');
  const config = join(dir, 'hub.yaml');
  const metricsToken = 'scrape-token-for-tests';
  writeFileSync(join(dir, 'metrics-token'), metricsToken + '\n');
  // 2 s lets the offline tests run fast; a test whose hosts must stay online on a busy machine sets its own.
  const offline = /^offlineAfter:/m.test(extraYaml) ? '' : 'offlineAfter: 2s\n';
  writeFileSync(config, `listen: 127.0.0.1:${port}\n${database ?? (await hubDatabaseYaml())}${offline}webhookSecretFile: webhook-secret\nmetricsTokenFile: metrics-token\n${extraYaml}`);
  const logFile = join(dir, 'hub.log');
  let child: ChildProcess | null = null;
  const cli = (args: string[]): string => {
    const r = spawnSync(process.execPath, [HUB_ENTRY, 'hub', ...args, '--config', config], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`moor hub ${args.join(' ')} failed: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    return lines[lines.length - 1] ?? '';
  };
  // Hubs sharing a database share their operators too: each fixture's admin gets a name of its own there.
  const adminToken = cli(['user', 'add', database === undefined ? 'test-admin' : `test-admin-${port}`, '--role', 'admin']);
  return {
    dir,
    config,
    port,
    url: `http://127.0.0.1:${port}`,
    secret,
    adminToken,
    metricsToken,
    addToken: (host: string): string => cli(['token', 'add', host]),
    addUser: (name, role) => cli(['user', 'add', name, '--role', role]),
    revokeUser: (name) => void cli(['user', 'revoke', name]),
    fetch(path, init = {}, token = adminToken) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers });
    },
    async start(): Promise<void> {
      const out = openSync(logFile, 'a');
      child = spawn(process.execPath, entry ? entry(config) : [HUB_ENTRY, 'hub', '--config', config], { stdio: ['ignore', out, out] });
      // Room for a busy machine: a hub loading thousands of hosts may take a while to listen.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`hub exited: ${readFileSync(logFile, 'utf8')}`);
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      throw new Error('hub did not start');
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((res) => {
        c.once('exit', () => res());
        c.kill(signal);
      });
    },
    log: () => readFileSync(logFile, 'utf8'),
    pid: () => child?.pid ?? 0,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined> | T | null | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function statusOf(host: string, patch: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    host,
    version: '0.1.0-test',
    branch: `hosts/${host}`,
    revision: { applied: 'a'.repeat(40), lastGood: 'a'.repeat(40), head: 'a'.repeat(40) },
    state: 'idle',
    lastSync: { at: new Date().toISOString(), commit: 'a'.repeat(40), result: 'succeeded', error: null },
    source: null,
    suspended: null,
    pending: null,
    resources: [{ kind: 'container', name: 'web', health: 'healthy', detail: 'running' }],
    drift: [],
    hub: null,
    ...patch,
  };
}
