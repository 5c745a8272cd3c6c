// The hub of the fleet demo: started on 127.0.0.1 with a token per host and an admin for the
// dashboard (its token in .demo-fleet/dashboard-token), and asked through its API whether every
// host is online on the commit of its branch with its labels.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface DemoHub {
  url: string;
  /** ws:// URL the agents connect to. */
  agentUrl: string;
  adminToken: string;
  tokenFile(host: string): string;
  child: ChildProcess;
}

/** MOOR_DEMO_HUB_PORT, else 7071 for a demo you watch, else a free port (the test suite's check). */
async function hubPort(checkOnly: boolean): Promise<number> {
  if (process.env.MOOR_DEMO_HUB_PORT) return Number(process.env.MOOR_DEMO_HUB_PORT);
  if (!checkOnly) return 7071;
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

export async function startDemoHub(dir: string, main: string, hosts: readonly string[], checkOnly: boolean): Promise<DemoHub> {
  const port = await hubPort(checkOnly);
  const config = join(dir, 'hub.yaml');
  writeFileSync(config, `listen: 127.0.0.1:${port}\ndatabase: ${join(dir, 'hub.db')}\nofflineAfter: 30s\n`);
  const cli = (args: string[]): string =>
    execFileSync(process.execPath, [main, 'hub', ...args, '--config', config], { encoding: 'utf8', env: { ...process.env, MOOR_LOG_LEVEL: 'warn' } }).trim().split('\n').pop() ?? '';
  for (const host of hosts) writeFileSync(join(dir, `${host}.hub-token`), `${cli(['token', 'add', host])}\n`, { mode: 0o600 });
  const adminToken = cli(['user', 'add', 'demo-admin', '--role', 'admin']);
  writeFileSync(join(dir, 'dashboard-token'), `${adminToken}\n`, { mode: 0o600 });
  const log = openSync(join(dir, 'hub.log'), 'a');
  const child = spawn(process.execPath, [main, 'hub', '--config', config], { stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGTERM');
      throw new Error(`the hub did not come up on 127.0.0.1:${port} (port taken? see ${dir}/hub.log)`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, agentUrl: `ws://127.0.0.1:${port}/agent`, adminToken, tokenFile: (host) => join(dir, `${host}.hub-token`), child };
}

interface HostView {
  host: string;
  online: boolean;
  revision: { applied: string | null };
  labels: Record<string, string>;
}

/** The hosts the hub lists for a label selector (empty: all), as the dashboard asks for them. */
export async function hubHosts(hub: DemoHub, selector = ''): Promise<HostView[]> {
  const r = await fetch(`${hub.url}/api/hosts?selector=${encodeURIComponent(selector)}&limit=1000`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
  if (!r.ok) throw new Error(`hub API answered ${r.status}: ${await r.text()}`);
  return ((await r.json()) as { hosts: HostView[] }).hosts;
}

const sorted = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Whether the hub shows every host online, on `tips[host]`, with `labels[host]`; else what differs. */
export async function hubAgrees(hub: DemoHub, tips: ReadonlyMap<string, string>, labels: ReadonlyMap<string, Record<string, string>>): Promise<string | null> {
  const views = new Map((await hubHosts(hub)).map((v) => [v.host, v]));
  for (const [host, tip] of tips) {
    const v = views.get(host);
    if (!v) return `${host} is not on the hub yet`;
    if (!v.online) return `${host} is offline on the hub`;
    if (v.revision.applied !== tip) return `${host} is on ${v.revision.applied?.slice(0, 12) ?? 'nothing'} on the hub, not ${tip.slice(0, 12)}`;
    if (sorted(v.labels) !== sorted(labels.get(host) ?? {})) return `${host} has labels ${JSON.stringify(v.labels)} on the hub`;
  }
  return null;
}
