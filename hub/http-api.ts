// The hub's HTTP side: JSON API (BRIEF.md section 6), the git push webhook, /metrics and the
// dashboard page. One request handler; everything it needs comes in as deps.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type pino from 'pino';
import type { AgentEndpoint } from './agent-endpoint.js';
import { DASHBOARD_HTML } from './dashboard-page.js';
import type { Fleet } from './fleet.js';
import { HOST_FILTERS, type HostFilter } from './host-view.js';
import { renderMetrics } from './metrics.js';
import type { HubStore } from './store.js';
import { readPush } from './webhook.js';

export interface HttpApiDeps {
  fleet: Fleet;
  endpoint: AgentEndpoint;
  store: HubStore;
  logger: pino.Logger;
}

const MAX_BODY = 5 * 1024 * 1024;

export function createRequestHandler(deps: HttpApiDeps, options: { webhookSecret: string | null }) {
  const log = deps.logger.child({ component: 'http' });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const hostMatch = /^\/api\/hosts\/([^/]+)(\/events|\/sync|\/status)?$/.exec(path);

    if (method === 'GET' && (path === '/' || path.startsWith('/hosts/'))) {
      return send(res, 200, DASHBOARD_HTML, 'text/html; charset=utf-8');
    }
    if (method === 'GET' && path === '/healthz') return json(res, 200, { ok: true });
    if (method === 'GET' && path === '/metrics') {
      return send(res, 200, renderMetrics({ fleet: deps.fleet, times: deps.endpoint.times, connected: deps.endpoint.connectedCount() }), 'text/plain; version=0.0.4');
    }
    if (method === 'GET' && path === '/api/hosts') {
      const filterParam = url.searchParams.get('filter') ?? 'all';
      if (!(HOST_FILTERS as readonly string[]).includes(filterParam)) return json(res, 400, { error: `filter must be one of ${HOST_FILTERS.join(', ')}` });
      const { views, counts } = deps.fleet.list(filterParam as HostFilter, url.searchParams.get('q') ?? '');
      const offset = intParam(url, 'offset', 0);
      const limit = intParam(url, 'limit', views.length);
      return json(res, 200, { total: views.length, offset, limit, counts, hosts: views.slice(offset, offset + limit) });
    }
    if (hostMatch) {
      const host = decodeURIComponent(hostMatch[1] ?? '');
      const detail = deps.fleet.get(host);
      if (!detail) return json(res, 404, { error: `unknown host ${host}` });
      const sub = hostMatch[2];
      if (method === 'GET' && sub === undefined) return json(res, 200, detail);
      if (method === 'GET' && sub === '/events') {
        const limit = Math.min(intParam(url, 'limit', 100), 1000);
        const before = intParam(url, 'before', Number.MAX_SAFE_INTEGER);
        return json(res, 200, { host, events: deps.store.events(host, limit, before) });
      }
      if (method === 'POST' && (sub === '/sync' || sub === '/status')) {
        await readBody(req); // drain whatever was posted
        const sent = deps.endpoint.sendTo(host, sub === '/sync' ? { t: 'sync', reason: 'hub api' } : { t: 'status' });
        log.info({ host, sent, what: sub.slice(1) }, 'operator request');
        return sent ? json(res, 202, { host, sent: true }) : json(res, 409, { host, sent: false, error: `${host} is not connected` });
      }
      return json(res, 405, { error: `${method} not allowed here` });
    }
    if (method === 'POST' && (path === '/webhook' || path === '/api/webhook')) {
      if (!options.webhookSecret) return json(res, 404, { error: 'the webhook is off: set webhookSecretFile in hub.yaml' });
      const body = await readBody(req);
      const verdict = readPush(req.headers, body, options.webhookSecret);
      if (!verdict.ok) {
        if (verdict.status === 401) log.warn({ remote: req.socket.remoteAddress }, 'refused a push webhook with a bad signature');
        return json(res, verdict.status, { error: verdict.message });
      }
      const hosts = deps.fleet.branchMoved(verdict.branch, verdict.head);
      const notified = verdict.head === null ? [] : hosts.filter((h) => deps.endpoint.sendTo(h, { t: 'sync', reason: `push ${verdict.head?.slice(0, 12)}` }));
      log.info({ branch: verdict.branch, head: verdict.head, hosts: hosts.length, notified: notified.length }, 'push webhook');
      return json(res, 200, { branch: verdict.branch, head: verdict.head, hosts, notified });
    }
    return json(res, 404, { error: 'not found' });
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof BodyTooLargeError ? 413 : 500;
      if (status === 500) log.error({ err }, 'request failed');
      if (!res.headersSent) json(res, status, { error: (err as Error).message });
      else res.destroy();
    });
  };
}

class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new BodyTooLargeError('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function intParam(url: URL, name: string, fallback: number): number {
  const n = Number(url.searchParams.get(name));
  return url.searchParams.has(name) && Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json');
}
