// Dashboard login: a page (no script), token login into an HttpOnly SameSite=Strict session, OpenID
// Connect login when configured, logout. The only routes besides /healthz that answer without a credential.

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import { audit, sameOriginOrNone, SESSION_COOKIE } from './auth.js';
import { loginPage, redirectPage } from './dashboard-page.js';
import { OidcLogin, OidcLoginError } from './oidc.js';
import type { HubSettingsFile } from './settings.js';
import { isRole, type Role } from './roles.js';
import type { AuthStorage } from './storage/port.js';

const STATE_COOKIE = 'moor_oidc';

export interface LoginDeps {
  auth: AuthStorage;
  logger: pino.Logger;
  now: () => Date;
}

export function registerLoginRoutes(app: FastifyInstance, deps: LoginDeps, s: HubSettingsFile): void {
  const tls = s.tls !== null;
  const log = deps.logger.child({ component: 'login' });
  const scheme = tls ? 'https' : 'http';
  const oidc = s.oidc
    ? new OidcLogin({ ...s.oidc, redirectUrl: s.oidc.redirectUrl ?? `${scheme}://${hostPort(s.listen)}/login/oidc/callback` })
    : null;
  const limited = { config: { access: 'public' as const, rateLimit: { max: 30, timeWindow: 60_000 } } };
  const page = async (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store')
      .send(loginPage({ message, oidc: oidc !== null, firstRun: (await deps.auth.userCount()) === 0, config: s.file }));

  const openSession = async (req: FastifyRequest, reply: FastifyReply, who: { name: string; role: Role; via: string }): Promise<void> => {
    const id = randomBytes(32).toString('base64url');
    await deps.auth.expireSessions(deps.now());
    await deps.auth.openSession(id, who, new Date(deps.now().getTime() + s.sessionMs));
    void reply.setCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: tls, path: '/', maxAge: Math.floor(s.sessionMs / 1000) });
    await audit(deps.auth, req, deps.now(), { action: 'login', target: who.via, result: 'ok' }, { ...who });
  };

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });
  app.get('/login', limited, async (_req, reply) => page(reply, 200, ''));
  app.post<{ Body: Record<string, string> | undefined }>('/login', { ...limited, bodyLimit: 4096 }, async (req, reply) => {
    if (!sameOriginOrNone(req, tls)) return page(reply, 403, 'Cross-origin login refused.');
    const token = typeof req.body?.['token'] === 'string' ? req.body['token'].trim() : '';
    const row = token ? await deps.auth.userForToken(token) : null;
    const user = row && isRole(row.role) ? { name: row.name, role: row.role } : null;
    if (!user) {
      await audit(deps.auth, req, deps.now(), { action: 'login', target: 'token', result: 'refused' }, null);
      log.warn({ remote: req.ip }, 'refused a dashboard login with an unknown token');
      return page(reply, 401, 'Unknown or revoked token.');
    }
    await openSession(req, reply, { name: user.name, role: user.role, via: 'session' });
    return reply.redirect('/', 303);
  });
  app.post('/logout', { config: { access: 'viewer' }, bodyLimit: 1024 }, async (req, reply) => {
    const id = req.cookies[SESSION_COOKIE];
    if (id) await deps.auth.closeSession(id);
    await audit(deps.auth, req, deps.now(), { action: 'logout', target: req.operator?.via ?? '', result: 'ok' });
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });
  if (!oidc) return;

  app.get('/login/oidc', limited, async (_req, reply) => {
    try {
      const { url, state } = await oidc.start();
      // Lax: the provider sends the browser back with a top-level cross-site navigation.
      void reply.setCookie(STATE_COOKIE, state, { httpOnly: true, sameSite: 'lax', secure: tls, path: '/login/oidc', maxAge: 600 });
      return reply.redirect(url, 302);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'OpenID login could not start');
      return page(reply, 502, 'The OpenID provider cannot be reached.');
    }
  });
  app.get('/login/oidc/callback', limited, async (req, reply) => {
    const state = req.cookies[STATE_COOKIE] ?? '';
    void reply.clearCookie(STATE_COOKIE, { path: '/login/oidc' });
    try {
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const who = await oidc.finish(query, state);
      if ((await deps.auth.oidcLogin(who, deps.now())) === 'revoked') {
        await audit(deps.auth, req, deps.now(), { action: 'login', target: 'oidc', result: 'refused: revoked by an admin' }, { name: who.name, role: who.role, via: 'oidc' });
        log.warn({ remote: req.ip, name: who.name }, 'refused an OpenID login: the user was revoked on the hub');
        return page(reply, 403, `Access revoked: an admin of this hub revoked ${who.name}. Signing in again at the provider does not restore it; ask an admin.`);
      }
      await openSession(req, reply, { name: who.name, role: who.role, via: 'oidc' });
      // A page, not a redirect: the Strict cookie is sent only on a navigation this site starts.
      return reply.type('text/html; charset=utf-8').send(redirectPage('/'));
    } catch (err) {
      const message = err instanceof OidcLoginError ? err.message : 'login failed';
      await audit(deps.auth, req, deps.now(), { action: 'login', target: 'oidc', result: `refused: ${message}` }, null);
      log.warn({ remote: req.ip, err: (err as Error).message }, 'refused an OpenID login');
      return page(reply, 403, message);
    }
  });
}

function hostPort(listen: { host: string; port: number }): string {
  return listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}
