// The rollout page in headless Chromium (playwright-core, Debian's /usr/bin/chromium) against the
// real hub with a real config repo (a bare git repo the hub publishes to) and six simulated agents
// on real websockets (the hub-load harness's frames): each reads its host branch when told to sync
// and reports that commit applied, or rolled back, or nothing. Two rollouts run side by side on
// disjoint sites. Screenshot: test-artifacts/dashboard-rollout.png.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { createTestRepo, type TestRepo } from '../bed/git-repo.js';
import { hubFixture, statusOf, waitFor, type HubFixture } from '../integration/hub/hub-process.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../../test-artifacts');
const OLD = 'a'.repeat(40);
type Behaviour = 'ok' | 'fail' | 'silent';
const HOSTS: [string, string, Behaviour][] = [
  ['sim-1', 'berlin', 'ok'], ['sim-2', 'berlin', 'fail'], ['sim-3', 'berlin', 'ok'],
  ['sim-4', 'paris', 'silent'], ['sim-5', 'paris', 'silent'], ['sim-6', 'paris', 'silent'],
];

function fleetFiles(): Record<string, string> {
  const files: Record<string, string> = { 'fleet.yaml': 'hostBranch: hosts/{host}\nrollout: { waves: [1, "50%", "100%"], maxFailures: 0, waveTimeout: 10m, pause: 0s }\n' };
  for (const [host, site] of HOSTS) {
    files[`hosts/${host}.yaml`] = `labels: { site: ${site} }\nstacks: [app]\n`;
  }
  files['stacks/app/compose.yaml'] = ['name: app', 'services:', '  web:', '    image: local/busybox:1', '    command: ["sleep", "3600"]', ''].join('\n');
  return files;
}

/** A simulated agent: hello, status and heartbeats; on "sync" it reports its branch head per its behaviour. */
function simulatedAgent(url: string, token: string, host: string, behaviour: Behaviour, repo: TestRepo): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  let seq = 0;
  const send = (frame: unknown): void => ws.send(JSON.stringify(frame));
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { t: string };
    if (m.t !== 'sync' || behaviour === 'silent') return;
    void repo.git(['rev-parse', `refs/heads/hosts/${host}`]).then((out) => {
      const commit = out.trim();
      const at = new Date().toISOString();
      if (behaviour === 'ok') {
        const diff = [{ kind: 'container', name: 'web', action: 'replace', why: 'env changed', fields: [{ field: 'env.VERSION', from: '1', to: '2' }], drift: false }];
        send({ t: 'events', events: [{ seq: ++seq, at, event: { type: 'sync.succeeded', commit, changes: 1, durationMs: 800, diff } }] });
        const meta = { id: commit, author: 'Ada <b>Lovelace</b>', email: 'ada@example.com', date: at, message: 'web 2: a new image\n\nThe body of the message.' };
        send({ t: 'status', status: statusOf(host, { revision: { applied: commit, lastGood: commit, head: commit }, commit: meta, lastSync: { at, commit, result: 'converged', error: null } }) });
      } else {
        const error = { name: 'HealthError', code: 'UNHEALTHY', message: 'container web is unhealthy: exit 1 after 3 checks', handling: 'commit' as const };
        send({ t: 'events', events: [{ seq: ++seq, at, event: { type: 'sync.rolledBack', commit, to: OLD, error } }] });
        send({ t: 'status', status: statusOf(host, { lastSync: { at, commit, result: 'rolled-back', error } }) });
      }
    });
  });
  const beat = setInterval(() => {
    const metrics = { cpuLoad: 37.5, load1: 0.4, memUsed: 512 * 2 ** 20, memTotal: 2048 * 2 ** 20, disks: [{ path: '/', used: 30e9, size: 100e9 }], uptimeSec: 3600, temperature: null };
    if (ws.readyState === WebSocket.OPEN) send({ t: 'heartbeat', at: new Date().toISOString(), metrics, summary: { applied: OLD, head: OLD, state: 'idle', healthy: 1, unhealthy: 0, suspended: false, outbox: 0 } });
  }, 400);
  ws.on('close', () => clearInterval(beat));
  return new Promise((res, rej) => {
    ws.once('open', () => {
      send({ t: 'hello', host, version: '0.1.0-test', branch: `hosts/${host}`, inventory: null });
      send({ t: 'status', status: statusOf(host) });
      res(ws);
    });
    ws.once('error', rej);
  });
}

async function login(context: BrowserContext, url: string, token: string): Promise<void> {
  const page = await context.newPage();
  await page.goto(url + '/');
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(url + '/'), page.click('#login')]);
  await page.close();
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

describe('the rollout page', () => {
  let hub: HubFixture;
  let repo: TestRepo;
  let operator: BrowserContext;
  let viewer: BrowserContext;
  let opToken: string;
  const sockets: WebSocket[] = [];
  const dirs: string[] = [];
  let halted = 0;
  let running = 0;

  const api = async (path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await hub.fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, opToken);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    repo = await createTestRepo({ bare: true });
    await repo.commitFiles('main', fleetFiles(), 'web 2: a new image');
    hub = await hubFixture(`fleet:\n  repo: ${repo.dir}\n`);
    opToken = hub.addUser('op', 'operator');
    const viewerToken = hub.addUser('watcher', 'viewer');
    const tokens = HOSTS.map(([host]) => hub.addToken(host));
    await hub.start();
    for (const [i, [host, , behaviour]] of HOSTS.entries()) sockets.push(await simulatedAgent(`ws://127.0.0.1:${hub.port}/agent`, tokens[i] ?? '', host, behaviour, repo));
    await waitFor('agents online', async () => {
      const res = await hub.fetch('/api/hosts?filter=online&limit=100');
      return ((await res.json()) as { total?: number; hosts?: unknown[] }).hosts?.length === HOSTS.length;
    }, 20_000);

    const berlin = await api('/api/rollouts', { selector: 'site=berlin' });
    assert.equal(berlin.status, 201, JSON.stringify(berlin.json));
    halted = Number(berlin.json['id']);
    const paris = await api('/api/rollouts', { selector: 'site=paris' });
    assert.equal(paris.status, 201, `a rollout of other hosts runs beside it: ${JSON.stringify(paris.json)}`);
    running = Number(paris.json['id']);
    const clash = await api('/api/rollouts', { selector: '' });
    assert.equal(clash.status, 409);
    assert.match(String(clash.json['error']), /sim-1, sim-2, sim-3/);
    await waitFor('the berlin rollout halts on sim-2', async () => (await api(`/api/rollouts/${halted}`)).json['status'] === 'halted', 60_000);

    const userDataDir = (name: string): string => {
      const d = mkdtempSync(join(tmpdir(), `moor-chromium-${name}-`));
      dirs.push(d);
      return d;
    };
    const launch = (name: string): Promise<BrowserContext> => chromium.launchPersistentContext(userDataDir(name), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 1000 },
    });
    operator = await launch('op');
    viewer = await launch('viewer');
    await login(operator, hub.url, hub.addUser('op-browser', 'operator'));
    await login(viewer, hub.url, viewerToken);
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await operator?.close();
    await viewer?.close();
    for (const ws of sockets) ws.terminate();
    await hub?.kill();
    await repo?.remove();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    if (hub) rmSync(hub.dir, { recursive: true, force: true });
  });

  it('shows a halted rollout: its waves, hosts per state, the failure with the agent evidence, and the timeline', async () => {
    const page = await operator.newPage();
    await page.goto(`${hub.url}/rollouts/${halted}`);
    await page.waitForSelector('#waves tbody tr');
    assert.match(await text(page, 'h2'), new RegExp(`Rollout #${halted}\\s*halted`));
    const waves = await page.locator('#waves tbody tr').allTextContents();
    assert.deepEqual(waves.map((w) => w.replace(/\s+/g, ' ').trim()), ['1done 1', '2failed 1', '3pending 1'], 'the third wave was never touched');
    const failures = await text(page, '#failures');
    assert.match(failures, /sim-2/);
    assert.match(failures, /rolled-back: container web is unhealthy: exit 1 after 3 checks/);
    assert.match(failures, /"code": "UNHEALTHY"/, 'the evidence the agent sent');
    assert.match(await text(page, 'main'), /Halted: 1 host\(s\) failed in wave 2/);
    const timeline = await page.locator('#timeline tr').allTextContents();
    assert.ok(timeline.some((t) => /halted: 1 host\(s\) failed/.test(t)), timeline.join('\n'));
    assert.ok(timeline.some((t) => /wave 1\/3 healthy: 1 done/.test(t)), timeline.join('\n'));
    assert.ok(timeline.some((t) => /created by op: 3 host\(s\) in 3 wave\(s\)/.test(t)), timeline.join('\n'));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-rollout.png'), fullPage: true });
    await page.close();
  });

  it('lets an operator pause and resume a running rollout from its page', async () => {
    const page = await operator.newPage();
    await page.goto(`${hub.url}/rollouts/${running}`);
    await page.waitForSelector('#pause');
    assert.match(await text(page, 'h2'), /running/);
    await page.click('#pause');
    await page.waitForSelector('h2:has-text("paused")');
    assert.equal((await api(`/api/rollouts/${running}`)).json['status'], 'paused');
    await page.click('#resume');
    await page.waitForSelector('h2:has-text("running")');
    assert.equal((await api(`/api/rollouts/${running}`)).json['status'], 'running');
    await page.close();
  });

  it('shows a viewer no buttons, and the hub refuses a viewer pause', async () => {
    const page = await viewer.newPage();
    await page.goto(`${hub.url}/rollouts/${running}`);
    await page.waitForSelector('#waves tbody tr');
    assert.equal(await page.locator('#pause, #resume, #abort, #revert').count(), 0);
    assert.match(await text(page, 'main'), /read-only/);
    const res = await viewer.request.post(`${hub.url}/api/rollouts/${running}/pause`, { headers: { origin: hub.url, 'content-type': 'application/json' }, data: {} });
    assert.equal(res.status(), 403);
    assert.match(await res.text(), /operator/);
    assert.equal((await api(`/api/rollouts/${running}`)).json['status'], 'running');
    await page.close();
  });

  it('shows on a host page the commit author and message, the sync changes field by field, the result in green, and charts of the heartbeats', async () => {
    const page = await viewer.newPage();
    await page.goto(`${hub.url}/hosts/sim-1`);
    await page.waitForSelector('#charts svg polyline', { state: 'attached' });
    const revision = await text(page, '.commit');
    assert.match(revision, /web 2: a new image/);
    assert.match(revision, /Ada <b>Lovelace<\/b> <ada@example\.com>/, 'the author as text, not markup');
    assert.equal(await page.locator('.commit b').count(), 0);
    const events = await page.locator('table tr', { hasText: 'sync.succeeded' }).first().textContent();
    assert.match(events ?? '', /replace container\/web env changed/);
    assert.match(events ?? '', /env\.VERSION: 1 → 2/);
    assert.match(await page.locator('code', { hasText: 'sync.succeeded' }).first().getAttribute('class') ?? '', /t-ok/);
    assert.match(await page.locator('.tag', { hasText: 'converged' }).first().getAttribute('class') ?? '', /t-ok/, 'a converged sync is green');
    const charts = page.locator('#charts .chart');
    assert.deepEqual(await Promise.all([0, 1, 2].map((i) => charts.nth(i).getAttribute('data-chart'))), ['cpu', 'mem', 'disk']);
    assert.deepEqual((await page.locator('#charts .val').allTextContents()).map((t) => t.trim()), ['37.5 %', '25.0 %', '30.0 %']);
    assert.equal(await page.locator('#charts circle').count(), 3);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-host-charts.png'), fullPage: true });
    await page.close();
  });
});
