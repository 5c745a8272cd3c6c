// Reads hub.yaml (README.md "The hub") into resolved settings: defaults filled, durations in ms,
// secrets read from their files. Every problem names the file, line and key.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../agent/config-text/duration.js';
import { SettingsError, type ConfigProblem } from '../agent/contracts/errors.js';
import type { FleetRepoSettings } from './rollouts/repo.js';

export interface HubSettingsFile {
  file: string;
  listen: { host: string; port: number };
  /** A SQLite file (absolute), or a PostgreSQL URL without a password. */
  database: string;
  /** PostgreSQL's password, read from `database.passwordFile`; null for SQLite. Never logged. */
  databasePassword: string | null;
  offlineAfterMs: number;
  /** HMAC secret of the git push webhook; null disables the webhook. Never logged. */
  webhookSecret: string | null;
  alerts: { url: string | null; suspendedAfterMs: number; timeoutMs: number };
  tls: { cert: string; key: string } | null;
  /** Events kept per host, and their payload bytes; older ones are pruned on insert. */
  eventsPerHost: number;
  eventBytesPerHost: number;
  /** Bearer token Prometheus sends to /metrics; null: only operators' credentials. Never logged. */
  metricsToken: string | null;
  oidc: OidcSettings | null;
  /** Requests per minute from one address before 429. */
  rateLimitPerMinute: number;
  /** Requests served at once; more get 503. */
  maxConcurrentRequests: number;
  /** Lifetime of a dashboard session. */
  sessionMs: number;
  /** The hub's write access to the config repo, for rollouts (hub/rollouts/); null: no rollouts. */
  fleet: FleetRepoSettings | null;
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Never logged. */
  clientSecret: string;
  /** Claim whose value (a string or a list) names the role; mapped through roleMap when given. */
  roleClaim: string;
  roleMap: Record<string, 'viewer' | 'operator' | 'admin'>;
  /** Where the provider sends the browser back; default http(s)://listen/login/oidc/callback. */
  redirectUrl: string | null;
}

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) ctx.addIssue({ code: 'custom', message: 'expected a duration like 90s, 1m30s or 2h' });
  return ms ?? 0;
});

const schema = z.strictObject({
  listen: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'expected HOST:PORT').default('127.0.0.1:7070'),
  // A SQLite file, or PostgreSQL: `database: {url: postgres://user@host:port/db, passwordFile: F}`.
  database: z.union([
    z.string().min(1),
    z.strictObject({ url: z.string().regex(/^postgres(ql)?:\/\//i, 'expected postgres://user@host:port/db'), passwordFile: z.string().min(1).optional() }),
  ]).default('/var/lib/moor-hub/hub.db'),
  offlineAfter: duration.default(60_000),
  webhookSecretFile: z.string().min(1).optional(),
  alerts: z
    .strictObject({ url: z.url().optional(), suspendedAfter: duration.default(3_600_000), timeout: duration.default(5000) })
    .default({ suspendedAfter: 3_600_000, timeout: 5000 }),
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  eventsPerHost: z.number().int().min(100).default(5000),
  eventBytesPerHost: z.number().int().min(1024 * 1024).default(16 * 1024 * 1024),
  metricsTokenFile: z.string().min(1).optional(),
  oidc: z.strictObject({
    issuer: z.url(),
    clientId: z.string().min(1),
    clientSecretFile: z.string().min(1),
    roleClaim: z.string().min(1).default('roles'),
    roleMap: z.record(z.string(), z.enum(['viewer', 'operator', 'admin'])).default({}),
    redirectUrl: z.url().optional(),
  }).optional(),
  rateLimitPerMinute: z.number().int().min(10).default(1200),
  maxConcurrentRequests: z.number().int().min(1).default(64),
  session: duration.default(12 * 3_600_000),
  fleet: z.strictObject({
    repo: z.string().min(1),
    branch: z.string().min(1).default('main'),
    auth: z.strictObject({
      username: z.string().min(1).optional(),
      passwordFile: z.string().min(1).optional(),
      sshKeyFile: z.string().min(1).optional(),
      knownHostsFile: z.string().min(1).optional(),
    }).default({}),
    signKeyFile: z.string().min(1).optional(),
  }).optional(),
});

export function loadHubSettings(file: string): HubSettingsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SettingsError([{ file, line: 0, key: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseHubSettings(text, file);
}

export function parseHubSettings(text: string, file: string): HubSettingsFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = lines.linePos(firstError.pos[0]).line;
    throw new SettingsError([{ file, line, key: '', message: firstError.message.split('\n')[0] ?? 'invalid YAML' }]);
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const problems: ConfigProblem[] = parsed.error.issues.flatMap((issue) => {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => {
          const where = [...path, key];
          return { file, line: lineOfKey(doc, lines, where), key: where.join('.'), message: 'unknown key' };
        });
      }
      return [{ file, line: lineOf(doc, lines, path), key: path.join('.'), message: issue.message }];
    });
    throw new SettingsError(problems);
  }
  const s = parsed.data;
  const base = dirname(resolve(file));
  const separator = s.listen.lastIndexOf(':');
  const host = s.listen.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(s.listen.slice(separator + 1));
  const problems: ConfigProblem[] = [];
  if (port > 65535) problems.push({ file, line: lineOf(doc, lines, ['listen']), key: 'listen', message: 'port above 65535' });
  const secret = (key: (string | number)[], name: string | undefined): string | null => {
    if (!name) return null;
    try {
      const value = readFileSync(resolve(base, name), 'utf8').trim();
      if (!value) throw new Error('the file is empty');
      return value;
    } catch (err) {
      problems.push({ file, line: lineOf(doc, lines, key), key: key.join('.'), message: `cannot read: ${(err as Error).message}` });
      return null;
    }
  };
  const webhookSecret = secret(['webhookSecretFile'], s.webhookSecretFile);
  const db = typeof s.database === 'string' ? { url: s.database, passwordFile: undefined } : s.database;
  const postgres = /^postgres(ql)?:\/\//i.test(db.url);
  if (postgres && hasPassword(db.url)) {
    problems.push({ file, line: lineOf(doc, lines, ['database']), key: 'database', message: 'the password goes in a file (database: {url, passwordFile}), not in the URL' });
  }
  const databasePassword = postgres ? secret(typeof s.database === 'string' ? ['database'] : ['database', 'passwordFile'], db.passwordFile) : null;
  const metricsToken = secret(['metricsTokenFile'], s.metricsTokenFile);
  const clientSecret = s.oidc ? secret(['oidc', 'clientSecretFile'], s.oidc.clientSecretFile) : null;
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    file,
    listen: { host, port },
    database: postgres ? db.url : resolve(base, db.url),
    databasePassword,
    offlineAfterMs: s.offlineAfter,
    webhookSecret,
    alerts: { url: s.alerts.url ?? null, suspendedAfterMs: s.alerts.suspendedAfter, timeoutMs: s.alerts.timeout },
    tls: s.tls ? { cert: resolve(base, s.tls.cert), key: resolve(base, s.tls.key) } : null,
    eventsPerHost: s.eventsPerHost,
    eventBytesPerHost: s.eventBytesPerHost,
    metricsToken,
    oidc: s.oidc && clientSecret !== null
      ? { issuer: s.oidc.issuer, clientId: s.oidc.clientId, clientSecret, roleClaim: s.oidc.roleClaim, roleMap: s.oidc.roleMap, redirectUrl: s.oidc.redirectUrl ?? null }
      : null,
    rateLimitPerMinute: s.rateLimitPerMinute,
    maxConcurrentRequests: s.maxConcurrentRequests,
    sessionMs: s.session,
    fleet: s.fleet ? fleetRepo(s.fleet, base) : null,
  };
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

type FleetInput = NonNullable<z.infer<typeof schema>['fleet']>;

function fleetRepo(f: FleetInput, base: string): FleetRepoSettings {
  const file = (name: string | undefined): string | undefined => (name === undefined ? undefined : resolve(base, name));
  // A local path is resolved against hub.yaml; URLs (scheme:// or user@host:path) stay as written.
  const repo = /^[a-z][a-z0-9+.-]*:\/\/|^[^/]+@[^/]+:/i.test(f.repo) ? f.repo : resolve(base, f.repo);
  return {
    repo,
    branch: f.branch,
    auth: { username: f.auth.username, passwordFile: file(f.auth.passwordFile), sshKeyFile: file(f.auth.sshKeyFile), knownHostsFile: file(f.auth.knownHostsFile) },
    signKeyFile: file(f.signKeyFile) ?? null,
  };
}

type Doc = ReturnType<typeof parseDocument>;

/** Line of the key itself (the value node may not exist for an unknown key's null value). */
function lineOfKey(doc: Doc, lines: LineCounter, path: (string | number)[]): number {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
    const range = isScalar(pair?.key) ? pair.key.range : undefined;
    if (range) return lines.linePos(range[0]).line;
  }
  return 1;
}

function lineOf(doc: Doc, lines: LineCounter, path: (string | number)[]): number {
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  return node?.range ? lines.linePos(node.range[0]).line : 1;
}
