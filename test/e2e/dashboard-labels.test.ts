// The dashboard's label selector field in headless Chromium (playwright-core, /usr/bin/chromium):
// typing `role=camera` narrows the table to the hosts with that label; a selector that does not
// parse shows the hub's error next to the field and leaves the table as it was, not empty.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openSqliteStorage } from '../../hub/storage/open.js';
import type { HostRow } from '../../hub/storage/port.js';
import { hubFixture, statusOf, waitFor, type HubFixture } from '../integration/hub/hub-process.js';

const HOSTS: Record<string, Record<string, string>> = {
  'cam-berlin': { role: 'camera', site: 'berlin' },
  'cam-paris': { role: 'camera', site: 'paris' },
  'cam-rome': { role: 'camera', site: 'rome' },
  'gw-berlin': { role: 'gateway', site: 'berlin' },
  'gw-paris': { role: 'gateway', site: 'paris' },
  'plain-1': {},
};

async function seed(file: string): Promise<void> {
  const storage = openSqliteStorage(file);
  const now = new Date().toISOString();
  const rows: HostRow[] = Object.entries(HOSTS).map(([host, labels]) => ({
    host, branch: `hosts/${host}`, version: '0.1.0', inventory: null, status: statusOf(host, { labels }), metrics: null, summary: null,
    lastSeen: now, lastSeq: 0, firstSeen: now,
  }));
  await storage.hosts.saveHosts(rows);
  await storage.close();
}

/** The host names in the table, in order (polled from here: the page's CSP refuses evaluated strings). */
async function shownHosts(page: Page): Promise<string[]> {
  return (await page.locator('#rows tr a').allTextContents()).map((t) => t.trim());
}

async function tableShows(page: Page, expected: string[]): Promise<void> {
  await waitFor(`the table to show ${expected.join(', ')}`, async () => JSON.stringify(await shownHosts(page)) === JSON.stringify(expected), 15_000);
}

describe('dashboard label selector', () => {
  let hub: HubFixture;
  let context: BrowserContext;
  let userDataDir: string;

  before(async () => {
    hub = await hubFixture();
    await seed(join(hub.dir, 'hub.db'));
    await hub.start();
    userDataDir = mkdtempSync(join(tmpdir(), 'moor-chromium-labels-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
    });
    const login = await context.newPage();
    await login.goto(hub.url + '/');
    await login.fill('#token', hub.addUser('labels-viewer', 'viewer'));
    await Promise.all([login.waitForURL(hub.url + '/'), login.click('#login')]);
    await login.close();
  });

  after(async () => {
    await context?.close();
    await hub?.kill();
    rmSync(hub.dir, { recursive: true, force: true });
    rmSync(userDataDir, { recursive: true, force: true });
  });

  it('narrows the table to the hosts the selector matches, and back', async () => {
    const page = await context.newPage();
    await page.goto(hub.url + '/');
    await tableShows(page, Object.keys(HOSTS).sort());
    await page.fill('#sel', 'role=camera');
    await tableShows(page, ['cam-berlin', 'cam-paris', 'cam-rome']);
    assert.equal(await page.textContent('#range'), '1-3 of 3');
    for (const tags of await page.locator('#rows tr').allTextContents()) assert.match(tags, /role=camera/);
    await page.fill('#sel', 'site in (berlin,paris),role!=camera');
    await tableShows(page, ['gw-berlin', 'gw-paris']);
    await page.fill('#sel', '');
    await tableShows(page, Object.keys(HOSTS).sort());
    await page.close();
  });

  it('shows why a selector is wrong instead of an empty table', async () => {
    const page = await context.newPage();
    await page.goto(hub.url + '/');
    await page.fill('#sel', 'role=camera');
    await tableShows(page, ['cam-berlin', 'cam-paris', 'cam-rome']);
    await page.fill('#sel', 'site in (berlin');
    await waitFor('the selector error', async () => ((await page.textContent('#selerr')) ?? '') !== '', 15_000);
    const error = (await page.textContent('#selerr')) ?? '';
    assert.match(error, /^selector "site in \(berlin": .*not a valid label key/, error);
    assert.doesNotMatch(error, /^400 Bad Request$/);
    assert.deepEqual(await shownHosts(page), ['cam-berlin', 'cam-paris', 'cam-rome']);
    assert.equal(await page.locator('#rows td.muted:has-text("No host matches")').count(), 0);
    await page.fill('#sel', 'role=gateway');
    await tableShows(page, ['gw-berlin', 'gw-paris']);
    assert.equal(await page.textContent('#selerr'), '');
    await page.close();
  });
});
