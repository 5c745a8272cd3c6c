// GET /api/hosts/HOST/metrics: the host's CPU, memory and disk use over the last day (one point
// per 5 minutes), for the charts on its dashboard page. Viewers may read it.

import type { FastifyInstance } from 'fastify';
import type { Fleet } from './fleet.js';
import type { MetricsHistory } from './metrics-history.js';

export function registerHostMetricsRoute(app: FastifyInstance, deps: { history: MetricsHistory; fleet: Pick<Fleet, 'linkOf'>; now: () => Date }): void {
  app.get<{ Params: { host: string } }>('/api/hosts/:host/metrics', { config: { access: 'viewer' } }, async (req, reply) => {
    if (!deps.fleet.linkOf(req.params.host)) return reply.code(404).send({ error: `unknown host ${req.params.host}` });
    const now = deps.now();
    return { host: req.params.host, now: now.getTime(), points: await deps.history.points(req.params.host, now) };
  });
}
