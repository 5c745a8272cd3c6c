// The hub's HTTP server on fastify: security headers (helmet), per-address rate limit, cookies,
// timeouts, a cap on requests served at once, and the credential check that runs on every request
// before any body is read. Routes come from http-api.ts, http-login.ts and http-admin.ts.

import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type pino from 'pino';
import { allows, authenticate, bearerOf, ownOrigin, refuse, type Access } from './auth.js';
import type { HubSettingsFile } from './settings.js';
import type { AuthStorage } from './storage/port.js';

/** Body caps: API bodies are tiny; the push webhook gets a little more (checked while it streams). */
export const BODY_LIMIT = 64 * 1024;
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface HttpServerDeps {
  auth: AuthStorage;
  logger: pino.Logger;
  now: () => Date;
}

export async function createHttpServer(deps: HttpServerDeps, s: HubSettingsFile): Promise<FastifyInstance> {
  const tls = s.tls !== null;
  const app = Fastify({
    // Header and request timeouts are enforced on this check period (Node's default is 30 s).
    ...(s.tls
      ? { https: { cert: readFileSync(s.tls.cert), key: readFileSync(s.tls.key), connectionsCheckingInterval: 2000 } }
      : { http: { connectionsCheckingInterval: 2000 } }),
    logger: false,
    bodyLimit: BODY_LIMIT,
    connectionTimeout: 60_000,
    keepAliveTimeout: 5_000,
    requestTimeout: 30_000,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
  });
  app.server.headersTimeout = 10_000;
  app.server.maxHeadersCount = 64;
  app.decorateRequest('operator', null);
  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], connectSrc: ["'self'"],
        imgSrc: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    // Not no-referrer: under it browsers send `Origin: null` on same-site POSTs, and the Origin check needs the real one.
    referrerPolicy: { policy: 'same-origin' },
    hsts: tls ? { maxAge: 15_552_000 } : false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(rateLimit, { global: true, hook: 'onRequest', max: s.rateLimitPerMinute, timeWindow: 60_000 });

  let inFlight = 0;
  const log = deps.logger.child({ component: 'http' });
  app.addHook('onRequest', async (req, reply) => {
    inFlight++;
    reply.raw.once('close', () => inFlight--);
    if (inFlight > s.maxConcurrentRequests) return refuse(reply.code(503).header('retry-after', '1'), 503, 'too many requests at once');
    const config = req.routeOptions.config;
    const access: Access = config.access ?? 'admin';
    if (access === 'public' || access === 'webhook') return;
    if (access === 'metrics' && s.metricsToken !== null && bearerOf(req) === s.metricsToken) return;
    const verdict = await authenticate(req, deps.auth, deps.now(), ownOrigin(req, tls));
    if (!verdict.ok) {
      if (config.page && verdict.status === 401 && req.method === 'GET') return reply.redirect('/login', 302);
      if (verdict.status === 403) log.warn({ remote: req.ip, url: req.url.slice(0, 200) }, verdict.message);
      return refuse(reply, verdict.status, verdict.message);
    }
    req.operator = verdict.operator;
    const needed = access === 'metrics' ? 'viewer' : access;
    if (!allows(verdict.operator.role, needed)) return refuse(reply, 403, `${needed} role required (you are ${verdict.operator.role})`);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) log.error({ err, url: req.url.slice(0, 200) }, 'request failed');
    void reply.code(status).header('connection', status === 413 ? 'close' : 'keep-alive').send({ error: status >= 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((_req, reply) => void reply.code(404).send({ error: 'not found' }));
  return app;
}

