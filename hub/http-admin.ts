// Admin routes: operators (users) and agent tokens, each change audited; and the audit log itself.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { audit } from './auth.js';
import { isRole } from './roles.js';
import { newToken } from './storage/host-queries.js';
import type { AuthStorage, HostStorage } from './storage/port.js';

export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

const newUser = z.strictObject({ name: z.string().regex(USER_NAME), role: z.string().refine(isRole, 'role must be viewer, operator or admin') });
const newAgent = z.strictObject({ host: z.string().regex(HOST_NAME) });

export function registerAdminRoutes(app: FastifyInstance, deps: { store: HostStorage; auth: AuthStorage; now: () => Date }): void {
  const admin = { config: { access: 'admin' as const } };

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/audit', { config: { access: 'operator' } }, async (req) => {
    const limit = Math.min(Math.max(1, Number(req.query['limit']) || 100), 500);
    const before = Number(req.query['before']);
    return { entries: await deps.auth.auditLog(limit, Number.isSafeInteger(before) && before > 0 ? before : undefined) };
  });

  // Token users, then those who logged in with OpenID Connect (revoked ones stay listed, with when).
  app.get('/api/users', admin, async () => ({
    users: [
      ...(await deps.auth.users()).map((u) => ({ ...u, source: 'token' as const })),
      ...(await deps.auth.oidcUsers()).map((u) => ({ ...u, source: 'oidc' as const })),
    ],
  }));
  app.post('/api/users', admin, async (req, reply) => {
    const parsed = newUser.safeParse(req.body);
    if (!parsed.success || !isRole(parsed.data.role)) return reply.code(400).send({ error: parsed.success ? 'bad role' : parsed.error.issues[0]?.message });
    const { name, role } = parsed.data;
    if ((await deps.auth.users()).some((u) => u.name === name)) return reply.code(409).send({ error: `${name} exists: revoke it first` });
    const token = newToken();
    await deps.auth.addUser(name, role, token, deps.now());
    await audit(deps.auth, req, deps.now(), { action: 'user.add', target: name, result: role });
    return reply.code(201).send({ name, role, token });
  });
  app.delete<{ Params: { name: string } }>('/api/users/:name', admin, async (req, reply) => {
    const removed = await deps.auth.revokeUser(req.params.name, deps.now());
    await audit(deps.auth, req, deps.now(), { action: 'user.revoke', target: req.params.name, result: removed ? 'revoked' : 'unknown' });
    return removed ? { name: req.params.name, revoked: true } : reply.code(404).send({ error: `no user ${req.params.name}` });
  });

  app.get('/api/tokens', admin, async () => ({ tokens: await deps.store.listTokens() }));
  app.post('/api/tokens', admin, async (req, reply) => {
    const parsed = newAgent.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues[0]?.message });
    const token = newToken();
    await deps.store.addToken(parsed.data.host, token, deps.now());
    await audit(deps.auth, req, deps.now(), { action: 'token.add', target: parsed.data.host, result: 'created' });
    return reply.code(201).send({ host: parsed.data.host, token });
  });
  app.delete<{ Params: { host: string } }>('/api/tokens/:host', admin, async (req) => {
    const n = await deps.store.revokeTokens(req.params.host);
    await audit(deps.auth, req, deps.now(), { action: 'token.revoke', target: req.params.host, result: `${n} revoked` });
    return { host: req.params.host, revoked: n };
  });
}
