// The hub's dashboard in headless Chromium (playwright-core, Debian's /usr/bin/chromium): a fleet of
// 5,000 hosts pages and filters, a host page shows its events, "Sync now" reaches the agent, and
// so do "Suspend" and "Resume".
// The browser logs in first with an operator's token (the session cookie carries the rest).
// Screenshots go to test-artifacts/dashboard.png and test-artifacts/dashboard-host.png.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createHeartbeatSampler } from '../../agent/reporter/host-metrics.js';
import { createReporter, type Reporter } from '../../agent/reporter/reporter.js';
import type { HubMessage } from '../../agent/contracts/hub-protocol.js';
import { openDatabase } from '../../agent/store/db.js';
import { openSqliteStorage } from '../../hub/storage/open.js';
import type { HostRow } from '../../hub/storage/port.js';
import { hubFixture, statusOf, waitFor, type HubFixture } from '../integration/hub/hub-process.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../../test-artifacts');
const FLEET = 5000;

async function seedFleet(file: string): Promise<void> {
  const storage = openSqliteStorage(file);
  const now = Date.now();
  const rows: HostRow[] = [];
  for (let i = 0; i < FLEET; i++) {
    const host = `edge-${String(i).padStart(4, '0')}`;
    const failed = i % 17 === 0;
    const behind = i % 11 === 0;
    const status = statusOf(host, {
      state: failed ? 'failed' : 'idle',
      revision: { applied: 'a'.repeat(40), lastGood: 'a'.repeat(40), head: behind ? 'b'.repeat(40) : 'a'.repeat(40) },
      lastSync: { at: new Date(now - i * 7000).toISOString(), commit: 'a'.repeat(40), result: failed ? 'rolled-back' : 'succeeded', error: null },
      drift: i % 23 === 0 ? [{ resource: 'container/web', detail: 'env changed on the host' }] : [],
      suspended: i % 97 === 0 ? { until: new Date(now + 3_600_000).toISOString(), reason: 'break-glass', since: new Date(now).toISOString() } : null,
    });
    rows.push({ host, branch: `hosts/${host}`, version: '0.1.0', inventory: null, status, metrics: null, summary: null,
      lastSeen: new Date(now - 3_600_000 - i * 1000).toISOString(), lastSeq: 0, firstSeen: new Date(now - 86_400_000).toISOString() });
  }
  await storage.hosts.saveHosts(rows);
  await storage.close();
}

/** Waits on the pager's text (polling from here: the page's CSP refuses evaluated strings). */
async function rangeMatches(page: Page, expected: RegExp): Promise<void> {
  await waitFor(`range ${expected}`, async () => expected.test((await page.textContent('#range')) ?? ''), 30_000);
}

async function rowCount(page: Page): Promise<number> {
  return page.locator('#rows tr').count();
}

describe('dashboard', () => {
  let hub: HubFixture;
  let context: BrowserContext;
  let reporter: Reporter;
  const syncs: string[] = [];
  const breakGlass: HubMessage[] = [];
  let liveStatus = statusOf('aa-live-01');
  const dirs: string[] = [];

  before(async () => {
    // The live agent must count as online however slow a busy CI machine makes its heartbeats.
    hub = await hubFixture('offlineAfter: 60s\n');
    await seedFleet(join(hub.dir, 'hub.db'));
    await hub.start();
    const stateDir = mkdtempSync(join(tmpdir(), 'moor-dash-agent-'));
    dirs.push(stateDir, hub.dir);
    reporter = createReporter(
      { db: openDatabase({ file: join(stateDir, 'state.db') }), logger: pino({ level: 'silent' }), now: () => new Date(), random: Math.random,
        status: () => liveStatus, metrics: createHeartbeatSampler({ diskPaths: [stateDir], agentVersion: '0.1.0' }), onSyncNow: (r) => syncs.push(r),
        // As the agent does: the suspension goes into its status, and the event makes it report that status.
        onSuspend: (m) => {
          breakGlass.push(m);
          const since = new Date().toISOString();
          liveStatus = { ...liveStatus, state: 'suspended', suspended: { until: new Date(Date.now() + 1_800_000).toISOString(), reason: m.reason, since, by: m.by } };
          reporter.emit({ type: 'agent.suspended', until: liveStatus.suspended?.until ?? since, reason: m.reason, by: m.by });
        },
        onResume: (m) => {
          breakGlass.push(m);
          liveStatus = { ...liveStatus, state: 'idle', suspended: null };
          reporter.emit({ type: 'agent.resumed', reason: `resumed by ${m.by}`, by: m.by });
        } },
      { settings: { url: `ws://127.0.0.1:${hub.port}/agent`, token: hub.addToken('aa-live-01'), heartbeatMs: 500, caFile: null, outboxLimit: 1000 }, host: 'aa-live-01', version: '0.1.0' },
    );
    reporter.start();
    await waitFor('agent connected', () => reporter.connected());
    reporter.emit({ type: 'agent.started', version: '0.1.0' });
    reporter.emit({ type: 'sync.started', commit: 'a'.repeat(40), trigger: 'poll' });
    reporter.emit({ type: 'sync.succeeded', commit: 'a'.repeat(40), changes: 3, durationMs: 1234 });
    await waitFor('events delivered', () => reporter.outboxSize() === 0);
    const userDataDir = mkdtempSync(join(tmpdir(), 'moor-chromium-'));
    dirs.push(userDataDir);
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    // An anonymous browser lands on the login page; an operator's token opens a session.
    const login = await context.newPage();
    await login.goto(hub.url + '/');
    assert.equal(new URL(login.url()).pathname, '/login');
    await login.fill('#token', hub.addUser('dash-operator', 'operator'));
    await Promise.all([login.waitForURL(hub.url + '/'), login.click('#login')]);
    await login.close();
  });

  after(async () => {
    await context?.close();
    await reporter?.stop();
    await hub?.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('shows the fleet of 5,001 hosts a hundred at a time, with counts per filter', async () => {
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(hub.url + '/');
    await page.waitForSelector('#rows tr');
    const loadMs = Date.now() - started;
    assert.equal(await rowCount(page), 100);
    assert.equal(await page.textContent('#range'), `1-100 of ${FLEET + 1}`);
    // The count is the hub's at page load; on a busy machine the live agent's link may be
    // re-establishing itself just then, so the page is reloaded until the hub counts it.
    await waitFor('the live agent counted online', async () => {
      if (/online\s*1/.test((await page.textContent('[data-f="online"]')) ?? '')) return true;
      await page.reload();
      await page.waitForSelector('#rows tr');
      return false;
    }, 60_000);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: false });
    await page.click('#next');
    await rangeMatches(page, /^101-/);
    process.stdout.write(`# dashboard first render with ${FLEET + 1} hosts: ${loadMs} ms\n`);
    await page.close();
  });

  it('filters by state and by name', async () => {
    const page = await context.newPage();
    await page.goto(hub.url + '/');
    await page.waitForSelector('#rows tr');
    await page.click('[data-f="failed"]');
    await rangeMatches(page, /^1-100 of 295$/);
    assert.equal(await page.locator('#rows .tag.t-bad').first().textContent(), 'rolled-back');
    await page.fill('#q', 'edge-0042');
    await rangeMatches(page, /^0 hosts$/);
    await page.click('[data-f="all"]');
    await rangeMatches(page, /^1-1 of 1$/);
    assert.equal(await page.locator('#rows a').first().textContent(), 'edge-0042');
    await page.close();
  });

  it('opens a host page with its events and asks the agent to sync now', async () => {
    const page = await context.newPage();
    await page.goto(hub.url + '/');
    await page.click('text=aa-live-01');
    await page.waitForSelector('#sync');
    assert.match((await page.textContent('main')) ?? '', /sync\.succeeded/);
    assert.match((await page.textContent('main')) ?? '', /online/);
    await page.click('#sync');
    await waitFor('the agent was asked to sync', () => syncs.includes('hub api'), 30_000);
    await page.waitForSelector('#toast:has-text("Sync requested")');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-host.png'), fullPage: true });
    await page.close();
  });

  it('suspends the host from its page with a reason and a duration, and resumes it', async () => {
    const page = await context.newPage();
    const answers = ['disk swap', '30m'];
    page.on('dialog', (d) => void d.accept(answers.shift() ?? ''));
    await page.goto(hub.url + '/hosts/aa-live-01');
    await page.click('#suspend');
    await waitFor('the agent was asked to suspend', () => breakGlass.find((m) => m.t === 'suspend'), 30_000);
    assert.deepEqual(breakGlass[0], { t: 'suspend', for: '30m', reason: 'disk swap', by: 'hub:dash-operator' });
    await page.waitForSelector('#toast:has-text("Suspend sent")');
    // The page shows the suspension the agent reported, with who asked, and offers Resume instead.
    await page.waitForSelector('#suspended:has-text("(by hub:dash-operator)")', { timeout: 15_000 });
    await page.click('#resume');
    await waitFor('the agent was asked to resume', () => breakGlass.find((m) => m.t === 'resume'), 30_000);
    assert.deepEqual(breakGlass[1], { t: 'resume', by: 'hub:dash-operator' });
    await page.waitForSelector('#suspend', { timeout: 15_000 });
    await page.close();
  });
});
