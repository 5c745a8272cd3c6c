// Typed queries for who may use the hub: operators and their hashed API tokens, dashboard sessions,
// the audit log, and the webhook deliveries and branch heads already seen. No SQL elsewhere in hub/.

import { hashToken } from './store.js';
import type { HubDb } from './db.js';

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface Operator {
  name: string;
  role: Role;
  /** How the credential was presented: `token`, `session`, `oidc-session`, `cli`. */
  via: string;
}

/** An operator who logged in with OpenID Connect at least once. */
export interface OidcUser {
  issuer: string;
  subject: string;
  name: string;
  display: string;
  role: string;
  created: string;
  lastLogin: string;
  /** When an admin revoked it; its logins are refused from then on. */
  revoked: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  result: string;
  remote: string;
}

const AUDIT_KEEP = 100_000;
const DELIVERIES_KEEP = 10_000;
const HEADS_KEEP = 200;

export class AuthStore {
  private readonly q;

  constructor(private readonly deps: { db: HubDb }) {
    const db = deps.db;
    this.q = {
      addUser: db.prepare<[string, string, string, string]>('INSERT INTO users (name, role, hash, created) VALUES (?, ?, ?, ?)'),
      removeUser: db.prepare<[string]>('DELETE FROM users WHERE name = ?'),
      removeUserSessions: db.prepare<[string]>('DELETE FROM sessions WHERE name = ?'),
      userByHash: db.prepare<[string], { name: string; role: string }>('SELECT name, role FROM users WHERE hash = ?'),
      users: db.prepare<[], { name: string; role: string; created: string }>('SELECT name, role, created FROM users ORDER BY name'),
      userCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users'),
      addSession: db.prepare<[string, string, string, string, string]>('INSERT INTO sessions (hash, name, role, via, expires) VALUES (?, ?, ?, ?, ?)'),
      session: db.prepare<[string, string], { name: string; role: string; via: string }>('SELECT name, role, via FROM sessions WHERE hash = ? AND expires > ?'),
      dropSession: db.prepare<[string]>('DELETE FROM sessions WHERE hash = ?'),
      expireSessions: db.prepare<[string]>('DELETE FROM sessions WHERE expires <= ?'),
      audit: db.prepare<[string, string, string, string, string, string, string]>(
        'INSERT INTO audit (at, actor, role, action, target, result, remote) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      pruneAudit: db.prepare<[number]>('DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?'),
      auditPage: db.prepare<[number, number], AuditEntry>('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?'),
      oidcRevoked: db.prepare<[string, string], { revoked: string | null }>('SELECT revoked FROM oidc_users WHERE issuer = ? AND subject = ?'),
      upsertOidc: db.prepare<[string, string, string, string, string, string, string]>(
        `INSERT INTO oidc_users (issuer, subject, name, display, role, created, last_login) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (issuer, subject) DO UPDATE SET name = excluded.name, display = excluded.display, role = excluded.role, last_login = excluded.last_login`),
      oidcUsers: db.prepare<[], OidcUser>(
        'SELECT issuer, subject, name, display, role, created, last_login AS lastLogin, revoked FROM oidc_users ORDER BY name, issuer, subject'),
      revokeOidc: db.prepare<[string, string]>('UPDATE oidc_users SET revoked = ? WHERE name = ? AND revoked IS NULL'),
      addDelivery: db.prepare<[string, string]>('INSERT OR IGNORE INTO webhook_deliveries (id, at) VALUES (?, ?)'),
      pruneDeliveries: db.prepare<[number]>('DELETE FROM webhook_deliveries WHERE rowid <= (SELECT MAX(rowid) FROM webhook_deliveries) - ?'),
      headSeen: db.prepare<[string, string], { head: string }>('SELECT head FROM branch_head_history WHERE branch = ? AND head = ?'),
      addHead: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO branch_head_history (branch, head, at) VALUES (?, ?, ?)'),
      pruneHeads: db.prepare<[string, string, number]>(
        'DELETE FROM branch_head_history WHERE branch = ? AND rowid NOT IN (SELECT rowid FROM branch_head_history WHERE branch = ? ORDER BY rowid DESC LIMIT ?)'),
    };
  }

  /** Adds an operator; the token is stored as its SHA-256 only. */
  addUser(name: string, role: Role, token: string, now: Date): void {
    this.q.addUser.run(name, role, hashToken(token), now.toISOString());
  }

  /**
   * Removes the operator and every dashboard session in that name (OpenID ones too), and marks the
   * OpenID users of that name revoked so that their next login is refused; false when none.
   */
  revokeUser(name: string, now: Date = new Date()): boolean {
    return this.deps.db.transaction(() => {
      const sessions = this.q.removeUserSessions.run(name).changes;
      const oidc = this.q.revokeOidc.run(now.toISOString(), name).changes;
      return this.q.removeUser.run(name).changes + sessions + oidc > 0;
    })();
  }

  /** Records an OpenID login (name, display name and role as the provider says now); 'revoked' refuses it. */
  oidcLogin(who: { issuer: string; subject: string; name: string; display: string; role: Role }, now: Date): 'ok' | 'revoked' {
    return this.deps.db.transaction((): 'ok' | 'revoked' => {
      if (this.q.oidcRevoked.get(who.issuer, who.subject)?.revoked) return 'revoked';
      const at = now.toISOString();
      this.q.upsertOidc.run(who.issuer, who.subject, who.name, who.display, who.role, at, at);
      return 'ok';
    })();
  }

  oidcUsers(): OidcUser[] {
    return this.q.oidcUsers.all();
  }

  userForToken(token: string): Operator | null {
    const row = this.q.userByHash.get(hashToken(token));
    return row && isRole(row.role) ? { name: row.name, role: row.role, via: 'token' } : null;
  }

  users(): { name: string; role: string; created: string }[] {
    return this.q.users.all();
  }

  userCount(): number {
    return this.q.userCount.get()?.n ?? 0;
  }

  openSession(id: string, who: { name: string; role: Role; via: string }, expires: Date): void {
    this.q.addSession.run(hashToken(id), who.name, who.role, who.via, expires.toISOString());
  }

  session(id: string, now: Date): Operator | null {
    const row = this.q.session.get(hashToken(id), now.toISOString());
    return row && isRole(row.role) ? { name: row.name, role: row.role, via: row.via } : null;
  }

  closeSession(id: string): void {
    this.q.dropSession.run(hashToken(id));
  }

  expireSessions(now: Date): void {
    this.q.expireSessions.run(now.toISOString());
  }

  audit(entry: Omit<AuditEntry, 'id'>): void {
    this.q.audit.run(entry.at, entry.actor, entry.role, entry.action, entry.target, entry.result, entry.remote);
    this.q.pruneAudit.run(AUDIT_KEEP);
  }

  /** Newest first; `beforeId` pages further back. */
  auditLog(limit: number, beforeId = Number.MAX_SAFE_INTEGER): AuditEntry[] {
    return this.q.auditPage.all(beforeId, limit);
  }

  /** Records a webhook delivery; false when it was seen before (a replay). */
  firstDelivery(id: string, now: Date): boolean {
    const fresh = this.q.addDelivery.run(id, now.toISOString()).changes > 0;
    if (fresh) this.q.pruneDeliveries.run(DELIVERIES_KEEP);
    return fresh;
  }

  /** True when `head` was already the head of `branch` at some point (so it is not newer). */
  headSeen(branch: string, head: string): boolean {
    return this.q.headSeen.get(branch, head) !== undefined;
  }

  rememberHead(branch: string, head: string, now: Date): void {
    this.q.addHead.run(branch, head, now.toISOString());
    this.q.pruneHeads.run(branch, branch, HEADS_KEEP);
  }
}
