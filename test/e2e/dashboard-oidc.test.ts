// OpenID Connect login to the dashboard through a real provider (the oidc-provider package on
// loopback, its own login and consent pages) in headless Chromium: the role comes from a claim
// (mapped through roleMap), a user without a moor role is refused, and the session is audited.
// Each OpenID user gets a row admins see and may revoke: sessions end at once, later logins are refused.

import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, hubFixture, type HubFixture } from '../integration/hub/hub-process.js';

const LOGS = resolve(import.meta.dirname, '../../../.test-bed/logs');
const ROLE_CLAIMS: Record<string, unknown> = { alice: ['staff', 'moor-admins'], bob: 'viewer', carol: 'staff', dave: 'operator' };
const NAMES: Record<string, string> = { dave: 'Dave Example' };

/** The provider writes its notices with console.info/warn: to a log file, not the test's output. */
function quietConsole(): () => void {
  mkdirSync(LOGS, { recursive: true });
  const saved = { info: console.info, warn: console.warn };
  const write = (...args: unknown[]): void => appendFileSync(join(LOGS, 'oidc-provider.log'), args.map(String).join(' ') + '\n');
  console.info = write;
  console.warn = write;
  return () => Object.assign(console, saved);
}

async function startProvider(port: number, hubUrl: string): Promise<Server> {
  // Imported here, after quietConsole: it warns about the runtime when it loads.
  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{
      client_id: 'moor-hub', client_secret: 'hub-client-secret', redirect_uris: [`${hubUrl}/login/oidc/callback`],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: { openid: ['sub'], email: ['email'], profile: ['preferred_username', 'moor_role', 'name'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, preferred_username: id, moor_role: ROLE_CLAIMS[id], ...(NAMES[id] ? { name: NAMES[id] } : {}) }) }),
    cookies: { keys: ['a-cookie-key-for-tests'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
  });
  const server = createServer(provider.callback());
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  return server;
}

/** Logs in at the provider's own pages as `user`; returns the page where the hub left the browser. */
async function oidcLogin(browser: Browser, hub: HubFixture, user: string, watch?: (page: Page) => void): Promise<Page> {
  // A fresh context per user: the provider's own session must not carry over.
  const page = await (await browser.newContext()).newPage();
  watch?.(page);
  await page.goto(hub.url + '/login');
  await page.click('#oidc');
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
  await page.click('button[type=submit]:has-text("Continue")');
  return page;
}

/**
 * Closes a login's page with its context, waiting at most 30 s: a Chromium page closed while a
 * navigation was in flight once hung here for 14 minutes and held up the whole suite. A close that
 * does not finish is left to the browser's own close in after().
 */
async function closePage(page: Page): Promise<void> {
  await within30s(page.context().close());
}

async function within30s(closing: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)));
  await Promise.race([closing, late]).finally(() => clearTimeout(timer));
}

// A hang fails this suite after 10 minutes instead of holding up the whole run.
describe('dashboard login with OpenID Connect', { timeout: 600_000 }, () => {
  let hub: HubFixture;
  let provider: Server;
  let browser: Browser;
  let restoreConsole: () => void = () => undefined;
  let issuer = '';
  const dirs: string[] = [];

  before(async () => {
    const providerPort = await freePort();
    issuer = `http://127.0.0.1:${providerPort}`;
    const secretDir = mkdtempSync(join(tmpdir(), 'moor-oidc-'));
    dirs.push(secretDir);
    writeFileSync(join(secretDir, 'client-secret'), 'hub-client-secret\n');
    hub = await hubFixture(`oidc:\n  issuer: http://127.0.0.1:${providerPort}\n  clientId: moor-hub\n  clientSecretFile: ${join(secretDir, 'client-secret')}\n  roleClaim: moor_role\n  roleMap: { moor-admins: admin }\n`);
    dirs.push(hub.dir);
    restoreConsole = quietConsole();
    provider = await startProvider(providerPort, hub.url);
    await hub.start();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });

  after(async () => {
    if (browser) await within30s(browser.close());
    await hub?.kill();
    await new Promise((res) => provider?.close(res));
    restoreConsole();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('logs alice in as admin from a group in her role claim, with a Strict session cookie', async () => {
    const page = await oidcLogin(browser, hub, 'alice');
    await page.waitForURL(hub.url + '/');
    await page.waitForSelector('#who:has-text("alice (admin)")');
    const cookie = (await page.context().cookies(hub.url)).find((c) => c.name === 'moor_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    await page.goto(hub.url + '/audit');
    await page.waitForSelector('#app table');
    assert.match((await page.textContent('#app')) ?? '', /alice[\s\S]*login[\s\S]*oidc/);
    await page.click('text=Log out');
    await page.waitForURL(hub.url + '/login');
    await closePage(page);
  });

  it('gives bob the viewer role his claim names: he reads but may not sync', async () => {
    const page = await oidcLogin(browser, hub, 'bob');
    await page.waitForSelector('#who:has-text("bob (viewer)")');
    const status = await page.evaluate(async () => (await fetch('/api/hosts/none/sync', { method: 'POST' })).status);
    assert.equal(status, 403);
    await page.click('text=Log out');
    await page.waitForURL(hub.url + '/login');
    await closePage(page);
  });

  it('refuses carol, whose claim names no moor role, and writes that to the audit log', async () => {
    const page = await oidcLogin(browser, hub, 'carol');
    await page.waitForSelector('#message');
    assert.match((await page.textContent('#message')) ?? '', /no moor role/);
    assert.equal((await page.context().cookies(hub.url)).some((c) => c.name === 'moor_session'), false);
    const { entries } = (await (await hub.fetch('/api/audit')).json()) as { entries: { action: string; target: string; result: string }[] };
    assert.ok(entries.some((e) => e.action === 'login' && e.target === 'oidc' && e.result.startsWith('refused')));
    await closePage(page);
  });

  it('lists each OpenID user for admins with issuer, subject, display name, role and last login', async () => {
    const dave = await oidcLogin(browser, hub, 'dave');
    await dave.waitForSelector('#who:has-text("dave (operator)")');
    const { users } = (await (await hub.fetch('/api/users')).json()) as { users: Record<string, unknown>[] };
    const row = users.find((u) => u['source'] === 'oidc' && u['name'] === 'dave');
    assert.ok(row, JSON.stringify(users));
    assert.equal(row['issuer'], issuer);
    assert.equal(row['subject'], 'dave');
    assert.equal(row['display'], 'Dave Example');
    assert.equal(row['role'], 'operator');
    assert.equal(row['revoked'], null);
    assert.ok(Date.now() - Date.parse(String(row['lastLogin'])) < 120_000);
    assert.ok(users.some((u) => u['source'] === 'oidc' && u['name'] === 'alice' && u['role'] === 'admin'));
    assert.ok(users.some((u) => u['source'] === 'token' && u['name'] === 'test-admin'));
    await closePage(dave);
  });

  it('ends a revoked OpenID user\'s session at once and refuses the next login though the provider says yes', async () => {
    const dave = await oidcLogin(browser, hub, 'dave');
    await dave.waitForSelector('#who:has-text("dave (operator)")');
    const alice = await oidcLogin(browser, hub, 'alice');
    await alice.waitForSelector('#who:has-text("alice (admin)")');
    await alice.goto(hub.url + '/users');
    await alice.waitForSelector('tr[data-user="dave"][data-source="oidc"]');
    assert.match((await alice.textContent('tr[data-user="dave"]')) ?? '', /Dave Example[\s\S]*operator[\s\S]*active/);
    alice.once('dialog', (d) => void d.accept());
    await alice.click('tr[data-user="dave"] button.revoke');
    await alice.waitForSelector('tr[data-user="dave"] .t-bad:has-text("revoked")');

    const me = await dave.evaluate(async () => (await fetch('/api/me')).status);
    assert.equal(me, 401);
    const sync = await dave.evaluate(async () => (await fetch('/api/hosts/none/sync', { method: 'POST' })).status);
    assert.equal(sync, 401);

    let callbackStatus = 0;
    const again = await oidcLogin(browser, hub, 'dave', (p) => p.on('response', (r) => {
      if (r.url().includes('/login/oidc/callback')) callbackStatus = r.status();
    }));
    await again.waitForSelector('#message');
    assert.match((await again.textContent('#message')) ?? '', /revoked/i);
    assert.equal(callbackStatus, 403);
    assert.equal((await again.context().cookies(hub.url)).some((c) => c.name === 'moor_session'), false);
    const { entries } = (await (await hub.fetch('/api/audit')).json()) as { entries: { actor: string; action: string; target: string; result: string }[] };
    assert.ok(entries.some((e) => e.actor === 'alice' && e.action === 'user.revoke' && e.target === 'dave' && e.result === 'revoked'));
    assert.ok(entries.some((e) => e.actor === 'dave' && e.action === 'login' && e.result === 'refused: revoked by an admin'));
    for (const p of [dave, alice, again]) await closePage(p);
  });
});
