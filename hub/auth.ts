// Who is asking, and may they: bearer API tokens and dashboard session cookies resolved to an
// operator with a role, the role ladder, the Origin check for cookie-authenticated writes, audit.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { isRole, type Operator, type Role } from './roles.js';
import type { AuthStorage } from './storage/port.js';

/** What a route needs: a role, nothing (`public`), or its own credential (`metrics`, `webhook`). */
export type Access = Role | 'public' | 'metrics' | 'webhook';

declare module 'fastify' {
  interface FastifyRequest {
    operator: Operator | null;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** An HTML page: without a credential the browser is sent to /login instead of a 401. */
    page?: boolean;
  }
}

export const SESSION_COOKIE = 'moor_session';
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function allows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export function bearerOf(req: FastifyRequest): string | null {
  const match = /^Bearer\s+(\S{1,512})$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

export type Verdict =
  | { ok: true; operator: Operator }
  | { ok: false; status: 401 | 403; message: string };

/**
 * Resolves the request's credential. A bearer token wins over a cookie; a cookie may carry only
 * safe requests unless the browser's Origin is the hub itself (a page elsewhere cannot send one).
 */
export async function authenticate(req: FastifyRequest, store: AuthStorage, now: Date, ownOrigin: string): Promise<Verdict> {
  const bearer = bearerOf(req);
  if (bearer !== null) {
    const row = await store.userForToken(bearer);
    const user: Operator | null = row && isRole(row.role) ? { name: row.name, role: row.role, via: 'token' } : null;
    return user ? { ok: true, operator: user } : { ok: false, status: 401, message: 'unknown or revoked token' };
  }
  const sessionId = req.cookies[SESSION_COOKIE];
  if (sessionId) {
    const row = await store.session(sessionId, now);
    const session: Operator | null = row && isRole(row.role) ? { name: row.name, role: row.role, via: row.via } : null;
    if (!session) return { ok: false, status: 401, message: 'session expired: log in again' };
    if (UNSAFE.has(req.method) && req.headers.origin !== ownOrigin) {
      return { ok: false, status: 403, message: 'cross-origin request refused (Origin does not match the hub)' };
    }
    return { ok: true, operator: session };
  }
  return { ok: false, status: 401, message: 'credential required: Authorization: Bearer TOKEN or a dashboard session' };
}

/** The hub's own origin as the browser names it, from the Host header the browser sent. */
export function ownOrigin(req: FastifyRequest, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

/** True when a request with an Origin comes from the hub itself (or carries none, e.g. curl). */
export function sameOriginOrNone(req: FastifyRequest, tls: boolean): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === ownOrigin(req, tls);
}

export function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  // A refused request's body is never read: close the connection rather than drain it.
  return reply.code(status).header('connection', 'close').send({ error: message });
}

export interface AuditInput {
  action: string;
  target: string;
  result: string;
}

export async function audit(store: AuthStorage, req: FastifyRequest, now: Date, entry: AuditInput, who: Operator | null = req.operator): Promise<void> {
  await store.audit({
    at: now.toISOString(),
    actor: who?.name ?? '(anonymous)',
    role: who?.role ?? '',
    action: entry.action,
    target: entry.target.slice(0, 256),
    result: entry.result.slice(0, 256),
    remote: req.ip,
  });
}
