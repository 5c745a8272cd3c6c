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
import type { ForwardRequest, WriteOutcome } from './forward.js';
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

/** A refusal as the routes answer it; anything unexpected is thrown on. */
function failure(err: unknown): { status: number; error: Record<string, unknown> } {
  const body = (e: Error & { code: string }, extra: Record<string, unknown> = {}) => ({ error: e.message, code: e.code, ...extra });
  if (err instanceof RolloutUnavailableError) return { status: err.status, error: body(err) };
  if (err instanceof RolloutCommandError) return { status: 409, error: body(err) };
  if (err instanceof RolloutSpecError || err instanceof SelectorSyntaxError) return { status: 400, error: body(err) };
  if (err instanceof FleetInvalidError) return { status: 422, error: body(err, { problems: err.problems }) };
  if (err instanceof FleetGitError) return { status: 502, error: body(err) };
  throw err;
}

/** Carries out an operator's rollout write on the hub that runs the rollouts (this one, or the one a write was passed to). */
export async function executeWrite(runner: RolloutRunner, request: ForwardRequest): Promise<WriteOutcome> {
  try {
    if (request.op === 'create') {
      const parsed = startBody.safeParse(request.body ?? {});
      if (!parsed.success) return { status: 400, rollout: null, error: { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') } };
      return { status: 201, rollout: await runner.create(toInput(parsed.data), request.by), error: null };
    }
    const cmd = request.verb === 'abort' ? { kind: request.verb, revert: request.revert } : { kind: request.verb };
    const r = await runner.command(request.id, cmd, request.by);
    // Another hub reads it back from the database.
    await runner.stored(r.id);
    return { status: 200, rollout: r, error: null };
  } catch (err) {
    return { ...failure(err), rollout: null };
  }
}

export interface RolloutRouteDeps {
  runner: RolloutRunner;
  auth: AuthStorage;
  now: () => Date;
  /** Several hubs: false on the hubs that do not run the rollouts; their writes are forwarded. */
  leads?: () => boolean;
  /** Passes a write to the hub that runs the rollouts (RolloutForwarder.send); without it such a hub answers 503. */
  forward?: (request: ForwardRequest) => Promise<WriteOutcome>;
}

type IdParams = { Params: { id: string } };

function idOf(req: FastifyRequest<IdParams>): number {
  const id = Number(req.params.id);
  return Number.isSafeInteger(id) && id > 0 ? id : 0;
}

export function registerRolloutRoutes(app: FastifyInstance, deps: RolloutRouteDeps, page: { html: string; script: string } | null): void {
  const viewer = { config: { access: 'viewer' as const } };
  const local = (): boolean => !deps.leads || deps.leads();
  // Several hubs on one database: rollouts run on the one holding the lease; the others pass writes to it.
  const operator = {
    config: { access: 'operator' as const },
    bodyLimit: 8 * 1024,
    preHandler: async (_req: FastifyRequest, reply: FastifyReply) => {
      if (!local() && !deps.forward) return reply.code(503).header('retry-after', '2').send({ error: 'another hub runs the rollouts now: send this to it (see moor_hub_leader in /metrics)' });
    },
  };
  const run = (request: ForwardRequest): Promise<WriteOutcome> => (local() || !deps.forward ? executeWrite(deps.runner, request) : deps.forward(request));
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
    const out = await run({ op: 'create', body: req.body ?? {}, by: req.operator?.name ?? '?' });
    const r = out.rollout;
    if (out.status === 201 && r !== null) {
      await audit(deps.auth, req, deps.now(), { action: 'rollout.start', target: `rollout ${r.id}`, result: `${r.hosts.length} hosts, commit ${r.spec.fleetCommit.slice(0, 12)}` });
      return reply.code(201).send(detail(r));
    }
    await audit(deps.auth, req, deps.now(), { action: 'rollout.start', target: parsed.data.selector || '(all hosts)', result: `refused: ${String(out.error?.['error'] ?? out.status)}` });
    return reply.code(out.status).send(out.error ?? { error: 'refused' });
  });
  for (const verb of ['pause', 'resume', 'abort'] as const) {
    app.post<IdParams>(`/api/rollouts/:id/${verb}`, operator, async (req, reply) => {
      const body = z.strictObject({ revert: z.boolean().optional() }).safeParse(req.body ?? {});
      if (!body.success) return reply.code(400).send({ error: 'body: {"revert": true|false} only' });
      const revert = verb === 'abort' && body.data.revert === true;
      const action = `rollout.${verb}${revert ? '-revert' : ''}`;
      const out = await run({ op: 'command', id: idOf(req), verb, revert, by: req.operator?.name ?? '?' });
      if (out.status === 200 && out.rollout !== null) {
        await audit(deps.auth, req, deps.now(), { action, target: `rollout ${out.rollout.id}`, result: out.rollout.status });
        return summary(out.rollout);
      }
      await audit(deps.auth, req, deps.now(), { action, target: `rollout ${req.params.id}`, result: `refused: ${String(out.error?.['error'] ?? out.status)}` });
      return reply.code(out.status).send(out.error ?? { error: 'refused' });
    });
  }
}
