// OpenID Connect login to the dashboard through a real provider (the oidc-provider package on
// loopback, its own login and consent pages) in headless Chromium: the role comes from a claim
// (mapped through roleMap), a user without a moor role is refused, and the session is audited.

import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, hubFixture, type HubFixture } from '../integration/hub/hub-process.js';

const LOGS = resolve(import.meta.dirname, '../../../.test-bed/logs');
const ROLE_CLAIMS: Record<string, unknown> = { alice: ['staff', 'moor-admins'], bob: 'viewer', carol: 'staff' };

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
    claims: { openid: ['sub'], email: ['email'], profile: ['preferred_username', 'moor_role'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, preferred_username: id, moor_role: ROLE_CLAIMS[id] }) }),
    cookies: { keys: ['a-cookie-key-for-tests'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
  });
  const server = createServer(provider.callback());
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  return server;
}

/** Logs in at the provider's own pages as `user`; returns the page where the hub left the browser. */
async function oidcLogin(browser: Browser, hub: HubFixture, user: string): Promise<Page> {
  // A fresh context per user: the provider's own session must not carry over.
  const page = await (await browser.newContext()).newPage();
  await page.goto(hub.url + '/login');
  await page.click('#oidc');
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
  await page.click('button[type=submit]:has-text("Continue")');
  return page;
}

describe('dashboard login with OpenID Connect', () => {
  let hub: HubFixture;
  let provider: Server;
  let browser: Browser;
  let restoreConsole: () => void = () => undefined;
  const dirs: string[] = [];

  before(async () => {
    const providerPort = await freePort();
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
    await browser?.close();
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
    await page.close();
  });

  it('gives bob the viewer role his claim names: he reads but may not sync', async () => {
    const page = await oidcLogin(browser, hub, 'bob');
    await page.waitForSelector('#who:has-text("bob (viewer)")');
    const status = await page.evaluate(async () => (await fetch('/api/hosts/none/sync', { method: 'POST' })).status);
    assert.equal(status, 403);
    await page.click('text=Log out');
    await page.close();
  });

  it('refuses carol, whose claim names no moor role, and writes that to the audit log', async () => {
    const page = await oidcLogin(browser, hub, 'carol');
    await page.waitForSelector('#message');
    assert.match((await page.textContent('#message')) ?? '', /no moor role/);
    assert.equal((await page.context().cookies(hub.url)).some((c) => c.name === 'moor_session'), false);
    const { entries } = (await (await hub.fetch('/api/audit')).json()) as { entries: { action: string; target: string; result: string }[] };
    assert.ok(entries.some((e) => e.action === 'login' && e.target === 'oidc' && e.result.startsWith('refused')));
    await page.close();
  });
});
