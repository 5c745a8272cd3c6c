// The hub's JSON API (README.md "The hub"), /metrics, /healthz, the dashboard's page and script,
// and the git push webhook, as fastify routes. Who may call each is in its `access` config.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import type { AgentEndpoint } from './agent-endpoint.js';
import { audit, refuse } from './auth.js';
import { DASHBOARD_HTML, DASHBOARD_SCRIPT } from './dashboard-page.js';
import type { Fleet } from './fleet.js';
import { HOST_FILTERS, type HostFilter } from './host-view.js';
import { WEBHOOK_BODY_LIMIT } from './http-server.js';
import { renderMetrics } from './metrics.js';
import type { AuthStorage, HostStorage } from './storage/port.js';
import { deliveryKey, parsePush, pushVerifier } from './webhook.js';
import { parseSelector, SelectorSyntaxError, type Selector } from '../fleet/selector.js';

export interface HttpApiDeps {
  fleet: Fleet;
  endpoint: AgentEndpoint;
  store: HostStorage;
  auth: AuthStorage;
  logger: pino.Logger;
  now: () => Date;
  /** More Prometheus lines (the rollout engine's). */
  extraMetrics?: () => string[];
}

/** Most events one page returns. */
export const EVENTS_PAGE_MAX = 200;

type HostParams = { Params: { host: string } };

export function registerApiRoutes(app: FastifyInstance, deps: HttpApiDeps, options: { webhookSecret: string | null }): void {
  const log = deps.logger.child({ component: 'http' });
  const page = { access: 'viewer', page: true } as const;

  app.get('/healthz', { config: { access: 'public' } }, async () => ({ ok: true }));
  for (const path of ['/', '/hosts/:host', '/audit', '/users']) {
    app.get(path, { config: page }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(DASHBOARD_HTML));
  }
  app.get('/dashboard.js', { config: { access: 'viewer' } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(DASHBOARD_SCRIPT));
  app.get('/metrics', { config: { access: 'metrics' } }, async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(renderMetrics({ fleet: deps.fleet, times: deps.endpoint.times, connected: deps.endpoint.connectedCount() }) + (deps.extraMetrics?.() ?? []).map((l) => `${l}\n`).join('')));
  app.get('/api/me', { config: { access: 'viewer' } }, async (req) => req.operator);

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/hosts', { config: { access: 'viewer' } }, async (req, reply) => {
    const filter = req.query['filter'] ?? 'all';
    if (!(HOST_FILTERS as readonly string[]).includes(filter)) return reply.code(400).send({ error: `filter must be one of ${HOST_FILTERS.join(', ')}` });
    let selector: Selector | null = null;
    try {
      const text = (req.query['selector'] ?? '').slice(0, 1000).trim();
      selector = text === '' ? null : parseSelector(text);
    } catch (err) {
      if (err instanceof SelectorSyntaxError) return reply.code(400).send({ error: err.message });
      throw err;
    }
    const { views, counts } = deps.fleet.list(filter as HostFilter, (req.query['q'] ?? '').slice(0, 200), selector);
    const offset = intParam(req.query['offset'], 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(req.query['limit'], 100, 1000);
    return { total: views.length, offset, limit, counts, hosts: views.slice(offset, offset + limit) };
  });
  app.get<HostParams>('/api/hosts/:host', { config: { access: 'viewer' } }, async (req, reply) => {
    const detail = await deps.fleet.get(req.params.host);
    return detail ?? reply.code(404).send({ error: `unknown host ${req.params.host}` });
  });
  app.get<HostParams & { Querystring: Record<string, string | undefined> }>('/api/hosts/:host/events', { config: { access: 'viewer' } }, async (req, reply) => {
    const host = req.params.host;
    if (!(await deps.fleet.get(host))) return reply.code(404).send({ error: `unknown host ${host}` });
    const limit = intParam(req.query['limit'], 100, EVENTS_PAGE_MAX);
    const before = intParam(req.query['before'], Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    return { host, events: await deps.store.events(host, limit, before) };
  });
  for (const what of ['sync', 'status'] as const) {
    app.post<HostParams>(`/api/hosts/:host/${what}`, { config: { access: 'operator' }, bodyLimit: 1024 }, async (req, reply) => {
      const host = req.params.host;
      if (!(await deps.fleet.get(host))) return reply.code(404).send({ error: `unknown host ${host}` });
      const outcome = what === 'sync' ? deps.endpoint.requestSync(host, 'hub api') : deps.endpoint.sendTo(host, { t: 'status' }) ? 'sent' : 'offline';
      await audit(deps.auth, req, deps.now(), { action: `host.${what}`, target: host, result: outcome });
      log.info({ host, outcome, what, by: req.operator?.name }, 'operator request');
      if (outcome === 'offline') return reply.code(409).send({ host, sent: false, error: `${host} is not connected` });
      return reply.code(202).send({ host, sent: outcome === 'sent', merged: outcome === 'merged' });
    });
  }
  registerWebhook(app, deps, options.webhookSecret);
}

function registerWebhook(app: FastifyInstance, deps: HttpApiDeps, secret: string | null): void {
  const log = deps.logger.child({ component: 'webhook' });
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // The body is hashed chunk by chunk as it arrives, with a small cap; nothing is kept unless it verifies.
    scope.addContentTypeParser('*', { bodyLimit: WEBHOOK_BODY_LIMIT }, (req, payload, done) => {
      const verifier = secret === null ? null : pushVerifier(req.headers, secret);
      if (verifier === null) return done(Object.assign(new Error('bad or missing signature'), { statusCode: 401 }), undefined);
      const chunks: Buffer[] = [];
      let size = 0;
      payload.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > WEBHOOK_BODY_LIMIT) {
          payload.destroy();
          return done(Object.assign(new Error('webhook body too large'), { statusCode: 413 }), undefined);
        }
        verifier.update(chunk);
        chunks.push(chunk);
      });
      payload.on('error', (err) => done(err, undefined));
      payload.on('end', () => {
        if (size > WEBHOOK_BODY_LIMIT) return;
        if (!verifier.verify()) return done(Object.assign(new Error('bad or missing signature'), { statusCode: 401 }), undefined);
        done(null, Buffer.concat(chunks));
      });
    });
    for (const path of ['/webhook', '/api/webhook']) {
      scope.post(path, { config: { access: 'webhook' } }, async (req, reply) => {
        if (secret === null) return refuse(reply, 404, 'the webhook is off: set webhookSecretFile in hub.yaml');
        // No body at all skips the parser: the signature was never checked.
        if (!Buffer.isBuffer(req.body)) return refuse(reply, 401, 'bad or missing signature');
        const body = req.body;
        return onPush(deps, log, req, body, reply);
      });
    }
  });
}

async function onPush(deps: HttpApiDeps, log: pino.Logger, req: FastifyRequest, body: Buffer, reply: FastifyReply) {
  const verdict = parsePush(req.headers, body);
  if (!verdict.ok) return reply.code(verdict.status).send({ error: verdict.message });
  const now = deps.now();
  if (!(await deps.auth.firstDelivery(deliveryKey(req.headers, body), now))) {
    log.warn({ remote: req.ip, branch: verdict.branch }, 'ignored a replayed push webhook');
    return reply.code(202).send({ branch: verdict.branch, ignored: 'delivery already handled' });
  }
  if (verdict.head !== null && (await deps.auth.headSeen(verdict.branch, verdict.head))) {
    log.warn({ branch: verdict.branch, head: verdict.head }, 'ignored a push to a head the branch already had');
    return reply.code(202).send({ branch: verdict.branch, ignored: 'head is not newer' });
  }
  if (verdict.head !== null) await deps.auth.rememberHead(verdict.branch, verdict.head, now);
  const hosts = await deps.fleet.branchMoved(verdict.branch, verdict.head);
  const head = verdict.head;
  const notified = head === null ? [] : hosts.filter((h) => deps.endpoint.requestSync(h, `push ${head.slice(0, 12)}`) !== 'offline');
  log.info({ branch: verdict.branch, head, hosts: hosts.length, notified: notified.length }, 'push webhook');
  return { branch: verdict.branch, head, hosts, notified };
}

function intParam(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
}
