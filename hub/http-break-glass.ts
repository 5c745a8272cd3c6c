// Operators suspend and resume a host from the hub: `POST /api/hosts/H/suspend` (json
// `{for?, reason}`) and `POST /api/hosts/H/resume`. Relayed to a connected agent only, audited.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import { z } from 'zod';
import { parseDuration } from '../agent/config-text/duration.js';
import { DEFAULT_SUSPEND_FOR, SUSPEND_LIMITS, type HubMessage } from '../agent/contracts/hub-protocol.js';
import type { AgentEndpoint } from './agent-endpoint.js';
import { audit } from './auth.js';
import type { Fleet } from './fleet.js';
import type { AuthStorage } from './storage/port.js';

export interface BreakGlassRouteDeps {
  fleet: Fleet;
  endpoint: AgentEndpoint;
  auth: AuthStorage;
  logger: pino.Logger;
  now: () => Date;
}

type HostParams = { Params: { host: string } };

const suspendBody = z.strictObject({
  for: z.string().trim().min(1).max(SUSPEND_LIMITS.duration).optional(),
  reason: z.string().trim().min(1, 'reason is required').max(SUSPEND_LIMITS.reason),
});

export function registerBreakGlassRoutes(app: FastifyInstance, deps: BreakGlassRouteDeps): void {
  const log = deps.logger.child({ component: 'http' });

  /** Sends to a connected host only: an offline host gets a 409, never a queued command. */
  async function relay(req: FastifyRequest<HostParams>, reply: FastifyReply, message: HubMessage, detail: string) {
    const host = req.params.host;
    const sent = deps.endpoint.sendTo(host, message);
    await audit(deps.auth, req, deps.now(), { action: `host.${message.t}`, target: host, result: sent ? `sent${detail}` : 'offline' });
    log.info({ host, what: message.t, sent, by: req.operator?.name }, 'operator request');
    if (!sent) return reply.code(409).send({ host, sent: false, error: `${host} is not connected: nothing was sent (it is not queued)` });
    return reply.code(202).send({ host, sent: true });
  }

  app.post<HostParams>('/api/hosts/:host/suspend', { config: { access: 'operator' }, bodyLimit: 4096 }, async (req, reply) => {
    if (!deps.fleet.get(req.params.host)) return reply.code(404).send({ error: `unknown host ${req.params.host}` });
    const parsed = suspendBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reply.code(400).send({ error: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'} (expected {"for": "2h", "reason": "..."})` });
    }
    const { reason, for: forText } = parsed.data;
    const ms = parseDuration(forText ?? DEFAULT_SUSPEND_FOR);
    if (ms === null || ms <= 0 || ms > SUSPEND_LIMITS.maxMs || !/^[0-9.a-z]+$/.test(forText ?? DEFAULT_SUSPEND_FOR)) return reply.code(400).send({ error: `for: ${forText ?? ''} is not a duration up to 30d (like 90m or 2h)` });
    const message: HubMessage = { t: 'suspend', ...(forText ? { for: forText } : {}), reason, by: actor(req) };
    return relay(req, reply, message, ` (${forText ?? DEFAULT_SUSPEND_FOR}: ${reason})`);
  });

  app.post<HostParams>('/api/hosts/:host/resume', { config: { access: 'operator' }, bodyLimit: 1024 }, async (req, reply) => {
    if (!deps.fleet.get(req.params.host)) return reply.code(404).send({ error: `unknown host ${req.params.host}` });
    return relay(req, reply, { t: 'resume', by: actor(req) }, '');
  });
}

/** `hub:<operator>`, as the agent records it. */
function actor(req: FastifyRequest): string {
  return `hub:${req.operator?.name ?? '(unknown)'}`.slice(0, SUSPEND_LIMITS.by);
}
