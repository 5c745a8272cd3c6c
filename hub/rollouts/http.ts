// The rollout API: viewers read (`GET /api/rollouts`, `GET /api/rollouts/ID`), operators start,
// pause, resume and abort. Every operator action goes to the audit log.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseDuration } from '../../agent/config-text/duration.js';
import { FleetInvalidError } from '../../fleet/fleet.js';
import { FleetGitError } from '../../fleet/git.js';
import { parseSelector, SelectorSyntaxError } from '../../fleet/selector.js';
import { audit } from '../auth.js';
import type { AuthStorage } from '../storage/port.js';
import { checkAmount, RolloutSpecError, totalPhases, type Rollout, type RolloutHead } from './model.js';
import { RolloutCommandError } from './planner.js';
import { RolloutUnavailableError, type RolloutInput, type RolloutRunner } from './runner.js';

const amount = z.union([z.number(), z.string()]);
const duration = z.union([z.string(), z.number()]);

export const startBody = z.strictObject({
  commit: z.string().regex(/^[0-9a-f]{7,64}$/, 'a commit id').optional(),
  selector: z.string().max(1000).default(''),
  waves: z.array(amount).min(1).max(50).optional(),
  maxFailures: amount.optional(),
  waveTimeout: duration.optional(),
  pause: duration.optional(),
  budget: z.strictObject({ label: z.string().min(1).max(253), maxUnavailable: z.number().int().min(1) }).optional(),
});

export function toInput(body: z.infer<typeof startBody>): RolloutInput {
  parseSelector(body.selector);
  const ms = (key: string, v: string | number | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = parseDuration(v);
    if (n === null) throw new RolloutSpecError(key, `"${v}" is not a duration like 90s, 15m or 2h`);
    return n;
  };
  return {
    commit: body.commit ?? null,
    selector: body.selector,
    waves: body.waves?.map((w, i) => checkAmount(`waves.${i}`, w)),
    maxFailures: body.maxFailures === undefined ? undefined : checkAmount('maxFailures', body.maxFailures),
    waveTimeoutMs: ms('waveTimeout', body.waveTimeout),
    pauseMs: ms('pause', body.pause),
    budget: body.budget ?? null,
  };
}

/** The list view: no per-host detail. */
export function summary(r: RolloutHead): Record<string, unknown> {
  const phases = totalPhases(r);
  return {
    id: r.id, status: r.status, fleetCommit: r.spec.fleetCommit, fleetSubject: r.spec.fleetSubject, selector: r.spec.selector,
    wave: r.wave + 1, waves: r.waveCount, createdBy: r.createdBy, createdAt: r.createdAt, haltReason: r.haltReason,
    hosts: Object.values(phases).reduce((a, b) => a + b, 0), phases,
  };
}

export function detail(r: Rollout): Record<string, unknown> {
  return { ...summary(r), spec: r.spec, hosts: r.hosts, timeline: r.timeline, failures: r.hosts.filter((h) => h.phase === 'failed' || h.phase === 'revert-failed') };
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof RolloutUnavailableError) return reply.code(err.status).send({ error: err.message, code: err.code });
  if (err instanceof RolloutCommandError) return reply.code(409).send({ error: err.message, code: err.code });
  if (err instanceof RolloutSpecError || err instanceof SelectorSyntaxError) return reply.code(400).send({ error: err.message, code: err.code });
  if (err instanceof FleetInvalidError) return reply.code(422).send({ error: err.message, code: err.code, problems: err.problems });
  if (err instanceof FleetGitError) return reply.code(502).send({ error: err.message, code: err.code });
  throw err;
}

type IdParams = { Params: { id: string } };

function idOf(req: FastifyRequest<IdParams>): number {
  const id = Number(req.params.id);
  return Number.isSafeInteger(id) && id > 0 ? id : 0;
}

export function registerRolloutRoutes(app: FastifyInstance, deps: { runner: RolloutRunner; auth: AuthStorage; now: () => Date; leads?: () => boolean }, page: { html: string; script: string } | null): void {
  const viewer = { config: { access: 'viewer' as const } };
  // Several hubs on one database: rollouts run on the one holding the lease; the others send callers there.
  const operator = {
    config: { access: 'operator' as const },
    bodyLimit: 8 * 1024,
    preHandler: async (_req: FastifyRequest, reply: FastifyReply) => {
      if (deps.leads && !deps.leads()) return reply.code(503).header('retry-after', '2').send({ error: 'another hub runs the rollouts now: send this to it (see moor_hub_leader in /metrics)' });
    },
  };
  if (page !== null) {
    for (const path of ['/rollouts', '/rollouts/:id']) {
      app.get(path, { config: { access: 'viewer', page: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page.html));
    }
    app.get('/rollouts.js', viewer, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(page.script));
  }
  app.get('/api/rollouts', viewer, async () => ({ rollouts: (await deps.runner.list()).map(summary) }));
  app.get<IdParams>('/api/rollouts/:id', viewer, async (req, reply) => {
    const r = await deps.runner.get(idOf(req));
    return r ? detail(r) : reply.code(404).send({ error: `no rollout ${req.params.id}` });
  });
  app.post('/api/rollouts', operator, async (req, reply) => {
    const parsed = startBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    try {
      const r = await deps.runner.create(toInput(parsed.data), req.operator?.name ?? '?');
      await audit(deps.auth, req, deps.now(), { action: 'rollout.start', target: `rollout ${r.id}`, result: `${r.hosts.length} hosts, commit ${r.spec.fleetCommit.slice(0, 12)}` });
      return reply.code(201).send(detail(r));
    } catch (err) {
      await audit(deps.auth, req, deps.now(), { action: 'rollout.start', target: parsed.data.selector || '(all hosts)', result: `refused: ${err instanceof Error ? err.message : String(err)}` });
      return fail(reply, err);
    }
  });
  for (const verb of ['pause', 'resume', 'abort'] as const) {
    app.post<IdParams>(`/api/rollouts/:id/${verb}`, operator, async (req, reply) => {
      const body = z.strictObject({ revert: z.boolean().optional() }).safeParse(req.body ?? {});
      if (!body.success) return reply.code(400).send({ error: 'body: {"revert": true|false} only' });
      const revert = verb === 'abort' && body.data.revert === true;
      const action = `rollout.${verb}${revert ? '-revert' : ''}`;
      try {
        const cmd = verb === 'abort' ? { kind: verb, revert } : { kind: verb };
        const r = await deps.runner.command(idOf(req), cmd, req.operator?.name ?? '?');
        await audit(deps.auth, req, deps.now(), { action, target: `rollout ${r.id}`, result: r.status });
        return summary(r);
      } catch (err) {
        await audit(deps.auth, req, deps.now(), { action, target: `rollout ${req.params.id}`, result: `refused: ${err instanceof Error ? err.message : String(err)}` });
        return fail(reply, err);
      }
    });
  }
}
