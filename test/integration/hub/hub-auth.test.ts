// Who may do what on a real `moor hub` process: every route refused without a credential (except
// /healthz), the role ladder viewer < operator < admin, cookie sessions refused from another
// origin, revocation, the scrape token, and an audit entry for every operator action.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { hubFixture, waitFor, type HubFixture } from './hub-process.js';
import { rawAgent, type RawAgent } from './raw-agent.js';

type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role | 'none', number> = { none: 0, viewer: 1, operator: 2, admin: 3 };

/** Every route and the least role that may call it. */
const ROUTES: { method: string; path: string; needs: Role; body?: unknown }[] = [
  { method: 'GET', path: '/', needs: 'viewer' },
  { method: 'GET', path: '/hosts/edge-a', needs: 'viewer' },
  { method: 'GET', path: '/audit', needs: 'viewer' },
  { method: 'GET', path: '/dashboard.js', needs: 'viewer' },
  { method: 'GET', path: '/api/me', needs: 'viewer' },
  { method: 'GET', path: '/api/hosts', needs: 'viewer' },
  { method: 'GET', path: '/api/hosts?q=edge', needs: 'viewer' },
  { method: 'GET', path: '/api/hosts/edge-a', needs: 'viewer' },
  { method: 'GET', path: '/api/hosts/edge-a/events', needs: 'viewer' },
  { method: 'GET', path: '/metrics', needs: 'viewer' },
  { method: 'POST', path: '/api/hosts/edge-a/sync', needs: 'operator' },
  { method: 'POST', path: '/api/hosts/edge-a/status', needs: 'operator' },
  { method: 'GET', path: '/api/audit', needs: 'operator' },
  { method: 'GET', path: '/api/users', needs: 'admin' },
  { method: 'POST', path: '/api/users', needs: 'admin', body: { name: 'made-by-api', role: 'viewer' } },
  { method: 'DELETE', path: '/api/users/made-by-api', needs: 'admin' },
  { method: 'GET', path: '/api/tokens', needs: 'admin' },
  { method: 'POST', path: '/api/tokens', needs: 'admin', body: { host: 'edge-new' } },
  { method: 'DELETE', path: '/api/tokens/edge-new', needs: 'admin' },
  { method: 'GET', path: '/no/such/route', needs: 'admin' },
];

function init(route: (typeof ROUTES)[number]): RequestInit {
  return route.body === undefined
    ? { method: route.method, redirect: 'manual' }
    : { method: route.method, redirect: 'manual', body: JSON.stringify(route.body), headers: { 'content-type': 'application/json' } };
}

async function login(hub: HubFixture, token: string): Promise<string> {
  const res = await fetch(`${hub.url}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token }), headers: { origin: hub.url } });
  assert.equal(res.status, 303);
  const cookie = /moor_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  assert.ok(cookie, 'a session cookie');
  assert.match(res.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
  return `moor_session=${cookie}`;
}

describe('hub operators and roles', () => {
  let hub: HubFixture;
  let agent: RawAgent;
  const tokens: Partial<Record<Role, string>> = {};

  before(async () => {
    hub = await hubFixture();
    for (const role of ['viewer', 'operator'] as const) tokens[role] = hub.addUser(`t-${role}`, role);
    tokens.admin = hub.adminToken;
    await hub.start();
    agent = await rawAgent(hub.port, hub.addToken('edge-a'), 'edge-a');
  });

  after(async () => {
    agent?.close();
    await hub?.kill();
    rmSync(hub.dir, { recursive: true, force: true });
  });

  it('answers /healthz alone without a credential: every other route says 401 (pages go to /login)', async () => {
    assert.equal((await fetch(`${hub.url}/healthz`)).status, 200);
    for (const route of ROUTES) {
      const res = await fetch(hub.url + route.path, init(route));
      if (route.method === 'GET' && !route.path.startsWith('/api') && !['/metrics', '/dashboard.js', '/no/such/route'].includes(route.path)) {
        assert.equal(res.status, 302, `${route.method} ${route.path}`);
        assert.equal(res.headers.get('location'), '/login');
      } else {
        assert.equal(res.status, 401, `${route.method} ${route.path}`);
      }
    }
    const bogus = await fetch(`${hub.url}/api/hosts`, { headers: { authorization: 'Bearer moor_made_up' } });
    assert.equal(bogus.status, 401);
  });

  it('lets each role do what its rank allows and refuses the rest with 403', async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      for (const route of ROUTES) {
        const res = await hub.fetch(route.path, init(route), tokens[role]);
        if (RANK[role] >= RANK[route.needs]) {
          assert.ok(res.status < 400 || res.status === 404 || res.status === 409, `${role} ${route.method} ${route.path}: ${res.status}`);
        } else {
          assert.equal(res.status, 403, `${role} ${route.method} ${route.path}`);
        }
      }
    }
  });

  it('takes the scrape token on /metrics and nowhere else', async () => {
    assert.equal((await hub.fetch('/metrics', {}, hub.metricsToken)).status, 200);
    assert.equal((await hub.fetch('/api/hosts', {}, hub.metricsToken)).status, 401);
  });

  it('refuses a cookie-authenticated write from another origin, with or without a text/plain body', async () => {
    const cookie = await login(hub, tokens.operator ?? '');
    assert.equal((await fetch(`${hub.url}/api/hosts`, { headers: { cookie } })).status, 200);
    const foreign = await fetch(`${hub.url}/api/hosts/edge-a/sync`, { method: 'POST', body: 'x', headers: { cookie, origin: 'http://evil.example', 'content-type': 'text/plain' } });
    assert.equal(foreign.status, 403);
    const none = await fetch(`${hub.url}/api/hosts/edge-a/sync`, { method: 'POST', headers: { cookie } });
    assert.equal(none.status, 403);
    const crossLogin = await fetch(`${hub.url}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token: tokens.viewer ?? '' }), headers: { origin: 'http://evil.example' } });
    assert.equal(crossLogin.status, 403);
    const own = await fetch(`${hub.url}/api/hosts/edge-a/sync`, { method: 'POST', headers: { cookie, origin: hub.url } });
    assert.equal(own.status, 202);
  });

  it('sets the security headers on every answer', async () => {
    const res = await hub.fetch('/');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline'[^;]*;?\s*$|script-src[^;]*unsafe/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.doesNotMatch(await res.text(), /<script>/);
  });

  it('stops a revoked token and the sessions it opened at once', async () => {
    const token = hub.addUser('short-lived', 'viewer');
    const cookie = await login(hub, token);
    assert.equal((await hub.fetch('/api/hosts', {}, token)).status, 200);
    const res = await hub.fetch('/api/users/short-lived', { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal((await hub.fetch('/api/hosts', {}, token)).status, 401);
    assert.equal((await fetch(`${hub.url}/api/hosts`, { headers: { cookie } })).status, 401);
  });

  it('writes who, what, when and from where for every operator action to the audit log', async () => {
    const res = await hub.fetch('/api/hosts/edge-a/status', { method: 'POST' }, tokens.operator);
    assert.equal(res.status, 202);
    await fetch(`${hub.url}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token: 'moor_wrong' }) });
    const { entries } = (await (await hub.fetch('/api/audit')).json()) as { entries: { actor: string; action: string; target: string; result: string; remote: string; at: string }[] };
    const status = entries.find((e) => e.action === 'host.status');
    assert.equal(status?.actor, 't-operator');
    assert.equal(status?.target, 'edge-a');
    assert.equal(status?.remote, '127.0.0.1');
    assert.ok(Date.now() - Date.parse(status?.at ?? '') < 60_000);
    for (const action of ['host.sync', 'user.add', 'user.revoke', 'token.add', 'token.revoke', 'login']) {
      assert.ok(entries.some((e) => e.action === action), `audit has ${action}`);
    }
    assert.ok(entries.some((e) => e.action === 'login' && e.result === 'refused' && e.actor === '(anonymous)'));
  });
});

describe('a fresh hub', () => {
  it('says how to create the first admin and answers nothing anonymously', async () => {
    const hub = await hubFixture();
    try {
      hub.revokeUser('test-admin');
      await hub.start();
      const login = await (await fetch(`${hub.url}/login`)).text();
      assert.match(login, /moor hub user add NAME --role admin --config/);
      await waitFor('the first-admin hint in the log', () => /no operator yet/.test(hub.log()));
      assert.equal((await fetch(`${hub.url}/api/hosts`)).status, 401);
    } finally {
      await hub.kill();
      rmSync(hub.dir, { recursive: true, force: true });
    }
  });
});
