// OpenID Connect login for the dashboard (openid-client): authorization code with PKCE, state and
// nonce; the operator's role comes from one claim of the ID token (or userinfo), mapped by roleMap.

import * as client from 'openid-client';
import type { OidcSettings } from './settings.js';
import { isRole, ROLES, type Role } from './roles.js';

interface Pending {
  verifier: string;
  nonce: string;
  expires: number;
}

const PENDING_MAX = 1000;
const PENDING_MS = 10 * 60_000;

export class OidcLoginError extends Error {
  readonly code = 'OIDC_LOGIN';
}

export class OidcLogin {
  private config: Promise<client.Configuration> | null = null;
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly options: OidcSettings & { redirectUrl: string }) {}

  /** Discovery happens at the first login (and again after a failure), so a hub starts without its provider. */
  private configuration(): Promise<client.Configuration> {
    const o = this.options;
    this.config ??= client
      .discovery(new URL(o.issuer), o.clientId, undefined, client.ClientSecretBasic(o.clientSecret),
        new URL(o.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined)
      .catch((err: unknown) => {
        this.config = null;
        throw new OidcLoginError(`cannot reach the OpenID provider ${o.issuer}: ${(err as Error).message}`, { cause: err });
      });
    return this.config;
  }

  /** Returns where to send the browser, and the state to remember in a cookie. */
  async start(now = Date.now()): Promise<{ url: string; state: string }> {
    const config = await this.configuration();
    for (const [k, p] of this.pending) if (p.expires < now || this.pending.size >= PENDING_MAX) this.pending.delete(k);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    this.pending.set(state, { verifier, nonce, expires: now + PENDING_MS });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUrl,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /** Finishes the login the provider sent back (`query` of the callback) for the state in the cookie. */
  async finish(query: string, state: string, now = Date.now()): Promise<OidcIdentity> {
    const pending = this.pending.get(state);
    this.pending.delete(state);
    if (!pending || pending.expires < now) throw new OidcLoginError('login expired or unknown: start again');
    const config = await this.configuration();
    const current = new URL(this.options.redirectUrl);
    current.search = query;
    let tokens;
    try {
      tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce, idTokenExpected: true });
    } catch (err) {
      throw new OidcLoginError(`the provider's answer was refused: ${(err as Error).message}`, { cause: err });
    }
    const claims: Record<string, unknown> = { ...(tokens.claims() ?? {}) };
    if (!(this.options.roleClaim in claims)) {
      const info = await client.fetchUserInfo(config, tokens.access_token, typeof claims['sub'] === 'string' ? claims['sub'] : client.skipSubjectCheck);
      Object.assign(claims, info);
    }
    const role = roleOf(claims[this.options.roleClaim], this.options.roleMap);
    if (role === null) throw new OidcLoginError(`no moor role in claim ${this.options.roleClaim}`);
    return identityOf(claims, role, this.options.issuer);
  }
}

/** Who logged in: the provider's issuer and subject identify the operator; name and display are for people. */
export interface OidcIdentity {
  name: string;
  role: Role;
  issuer: string;
  subject: string;
  display: string;
}

function identityOf(claims: Record<string, unknown>, role: Role, configuredIssuer: string): OidcIdentity {
  const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
  const subject = text(claims['sub']);
  // openid-client has checked the ID token's `sub` and `iss`; a token without them never gets here.
  if (subject === null) throw new OidcLoginError('the ID token names no subject');
  const name = text(claims['email']) ?? text(claims['preferred_username']) ?? subject;
  const display = text(claims['name']) ?? text(claims['preferred_username']) ?? '';
  return { name: name.slice(0, 128), role, issuer: (text(claims['iss']) ?? configuredIssuer).slice(0, 512), subject: subject.slice(0, 255), display: display.slice(0, 128) };
}

/** The highest role named by the claim (a string or a list of strings), through the map when given. */
export function roleOf(claim: unknown, map: Record<string, Role>): Role | null {
  const values = Array.isArray(claim) ? claim : [claim];
  let best: Role | null = null;
  for (const v of values) {
    if (typeof v !== 'string') continue;
    const role = map[v] ?? (isRole(v) ? v : null);
    if (role !== null && (best === null || ROLES.indexOf(role) > ROLES.indexOf(best))) best = role;
  }
  return best;
}
