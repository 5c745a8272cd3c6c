// Typed queries for operators (hashed API tokens), dashboard sessions, the audit log, webhook
// deliveries already acted on and the heads each branch has had, in SQL both databases accept.

import { hashToken } from './host-queries.js';
import type { AuditEntry, AuthStorage, OidcUser, SessionRow, UserRow } from './port.js';
import { one, type SqlExec } from './sql.js';

const AUDIT_KEEP = 100_000;
const DELIVERIES_KEEP = 10_000;
const HEADS_KEEP = 200;

export class SqlAuthStorage implements AuthStorage {
  constructor(private readonly x: SqlExec) {}

  async addUser(name: string, role: string, token: string, now: Date): Promise<void> {
    await this.x.run('INSERT INTO users (name, role, hash, created) VALUES (?, ?, ?, ?)', [name, role, hashToken(token), now.toISOString()]);
  }

  revokeUser(name: string, now: Date = new Date()): Promise<boolean> {
    return this.x.tx(async (t) => {
      const sessions = await t.run('DELETE FROM sessions WHERE name = ?', [name]);
      const oidc = await t.run('UPDATE oidc_users SET revoked = ? WHERE name = ? AND revoked IS NULL', [now.toISOString(), name]);
      return (await t.run('DELETE FROM users WHERE name = ?', [name])) + sessions + oidc > 0;
    });
  }

  oidcLogin(who: { issuer: string; subject: string; name: string; display: string; role: string }, now: Date): Promise<'ok' | 'revoked'> {
    return this.x.tx(async (t): Promise<'ok' | 'revoked'> => {
      const row = await one<{ revoked: string | null }>(t, 'SELECT revoked FROM oidc_users WHERE issuer = ? AND subject = ?', [who.issuer, who.subject]);
      if (row?.revoked) return 'revoked';
      const at = now.toISOString();
      await t.run(`INSERT INTO oidc_users (issuer, subject, name, display, role, created, last_login) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (issuer, subject) DO UPDATE SET name = excluded.name, display = excluded.display, role = excluded.role, last_login = excluded.last_login`,
      [who.issuer, who.subject, who.name, who.display, who.role, at, at]);
      return 'ok';
    });
  }

  oidcUsers(): Promise<OidcUser[]> {
    return this.x.all<OidcUser>('SELECT issuer, subject, name, display, role, created, last_login AS "lastLogin", revoked FROM oidc_users ORDER BY name, issuer, subject');
  }

  async userForToken(token: string): Promise<{ name: string; role: string } | null> {
    return (await one<{ name: string; role: string }>(this.x, 'SELECT name, role FROM users WHERE hash = ?', [hashToken(token)])) ?? null;
  }

  users(): Promise<UserRow[]> {
    return this.x.all<UserRow>('SELECT name, role, created FROM users ORDER BY name');
  }

  async userCount(): Promise<number> {
    return (await one<{ n: number }>(this.x, 'SELECT COUNT(*) AS n FROM users'))?.n ?? 0;
  }

  async openSession(id: string, who: SessionRow, expires: Date): Promise<void> {
    await this.x.run('INSERT INTO sessions (hash, name, role, via, expires) VALUES (?, ?, ?, ?, ?)', [hashToken(id), who.name, who.role, who.via, expires.toISOString()]);
  }

  async session(id: string, now: Date): Promise<SessionRow | null> {
    return (await one<SessionRow>(this.x, 'SELECT name, role, via FROM sessions WHERE hash = ? AND expires > ?', [hashToken(id), now.toISOString()])) ?? null;
  }

  async closeSession(id: string): Promise<void> {
    await this.x.run('DELETE FROM sessions WHERE hash = ?', [hashToken(id)]);
  }

  async expireSessions(now: Date): Promise<void> {
    await this.x.run('DELETE FROM sessions WHERE expires <= ?', [now.toISOString()]);
  }

  async audit(e: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.x.run('INSERT INTO audit (at, actor, role, action, target, result, remote) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [e.at, e.actor, e.role, e.action, e.target, e.result, e.remote]);
    await this.x.run('DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?', [AUDIT_KEEP]);
  }

  auditLog(limit: number, beforeId = Number.MAX_SAFE_INTEGER): Promise<AuditEntry[]> {
    return this.x.all<AuditEntry>('SELECT id, at, actor, role, action, target, result, remote FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?', [beforeId, limit]);
  }

  async firstDelivery(id: string, now: Date): Promise<boolean> {
    const fresh = (await this.x.run('INSERT INTO webhook_deliveries (id, at) VALUES (?, ?) ON CONFLICT DO NOTHING', [id, now.toISOString()])) > 0;
    if (fresh) {
      await this.x.run('DELETE FROM webhook_deliveries WHERE at < (SELECT at FROM webhook_deliveries ORDER BY at DESC LIMIT 1 OFFSET ?)', [DELIVERIES_KEEP]);
    }
    return fresh;
  }

  async headSeen(branch: string, head: string): Promise<boolean> {
    return (await one(this.x, 'SELECT head FROM branch_head_history WHERE branch = ? AND head = ?', [branch, head])) !== undefined;
  }

  async rememberHead(branch: string, head: string, now: Date): Promise<void> {
    await this.x.run('INSERT INTO branch_head_history (branch, head, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [branch, head, now.toISOString()]);
    await this.x.run('DELETE FROM branch_head_history WHERE branch = ? AND at < (SELECT at FROM branch_head_history WHERE branch = ? ORDER BY at DESC LIMIT 1 OFFSET ?)',
      [branch, branch, HEADS_KEEP]);
  }
}
