// Hostile values on the dashboard, in headless Chromium: markup in every field an agent could once
// send (numbers included, as an older hub may have stored them) renders as text, runs nothing;
// and a live agent sending markup in a number field loses its link before anything is stored.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import type { HeartbeatSummary, HostMetrics } from '../../agent/contracts/hub-protocol.js';
import { openSqliteStorage } from '../../hub/storage/open.js';
import { hubFixture, statusOf, waitFor, type HubFixture } from '../integration/hub/hub-process.js';
import { heartbeat, rawAgent } from '../integration/hub/raw-agent.js';

const XSS = `<img src=x onerror="document.title='pwned'">`;

async function seedHostile(file: string): Promise<void> {
  const storage = openSqliteStorage(file);
  const now = new Date().toISOString();
  // Casts on purpose: these are the wrongly typed values an unchecked hub used to store.
  const summary = { applied: 'a'.repeat(40), head: 'b'.repeat(40), state: XSS, healthy: XSS, unhealthy: XSS, suspended: false, outbox: XSS } as unknown as HeartbeatSummary;
  const metrics = { cpuLoad: XSS, load1: XSS, memUsed: 1, memTotal: 2, disks: [{ path: XSS, used: XSS, size: XSS }], uptimeSec: XSS, temperature: XSS } as unknown as HostMetrics;
  const status = statusOf('xss-host', {
    branch: XSS,
    resources: [{ kind: 'container', name: XSS, health: 'healthy', detail: XSS }],
    drift: [{ resource: XSS, detail: XSS }],
    suspended: { until: XSS, reason: XSS, since: now },
  });
  await storage.hosts.saveHosts([{ host: 'xss-host', branch: XSS, version: XSS, inventory: null, status, metrics, summary, lastSeen: now, lastSeq: 0, firstSeen: now }]);
  await storage.close();
}

describe('dashboard with hostile values', () => {
  let hub: HubFixture;
  let context: BrowserContext;
  const dirs: string[] = [];

  before(async () => {
    hub = await hubFixture();
    dirs.push(hub.dir);
    await seedHostile(join(hub.dir, 'hub.db'));
    await hub.start();
    const userDataDir = mkdtempSync(join(tmpdir(), 'moor-chromium-'));
    dirs.push(userDataDir);
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    const login = await context.newPage();
    await login.goto(hub.url + '/login');
    await login.fill('#token', hub.addUser('xss-viewer', 'viewer'));
    await Promise.all([login.waitForURL(hub.url + '/'), login.click('#login')]);
    await login.close();
  });

  after(async () => {
    await context?.close();
    await hub?.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('renders markup in the fleet table and the host page as text', async () => {
    const page = await context.newPage();
    await page.goto(hub.url + '/');
    await page.waitForSelector('#rows tr a');
    assert.equal(await page.locator('#app img').count(), 0);
    assert.match((await page.textContent('#rows')) ?? '', /<img src=x/);
    await page.goto(hub.url + '/hosts/xss-host');
    await page.waitForSelector('#sync', { state: 'attached' });
    assert.equal(await page.locator('#app img').count(), 0);
    assert.match((await page.textContent('#app')) ?? '', /<img src=x onerror/);
    assert.equal(await page.title(), 'moor fleet');
    await page.close();
  });

  it('closes the link of an agent that sends markup where a number belongs', async () => {
    const agent = await rawAgent(hub.port, hub.addToken('xss-live'), 'xss-live');
    agent.send({ ...(heartbeat() as object), summary: { ...(heartbeat() as { summary: object }).summary, healthy: XSS } });
    await waitFor('closed', () => agent.closeCode !== null);
    assert.equal(agent.closeCode, 4002);
    const host = (await (await hub.fetch('/api/hosts/xss-live')).json()) as { healthy: unknown };
    assert.equal(host.healthy, 0);
  });
});
