// The git push webhook: checks the sender (GitHub/Gitea HMAC-SHA256 signature, GitLab token) and
// reads which branch moved to which commit. Pure: headers and body in, verdict out.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../agent/contracts/hub-protocol.js';

export type Headers = Record<string, string | string[] | undefined>;

export type PushVerdict =
  | { ok: true; branch: string; head: string | null }
  | { ok: false; status: 400 | 401 | 202; message: string };

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when the request carries a valid signature (GitHub/Gitea) or token (GitLab) for `secret`. */
export function verifyPush(headers: Headers, body: Buffer, secret: string): boolean {
  const hmac = createHmac('sha256', secret).update(body).digest('hex');
  const github = header(headers, 'x-hub-signature-256');
  if (github !== undefined) return sameText(github.toLowerCase(), `sha256=${hmac}`);
  const gitea = header(headers, 'x-gitea-signature') ?? header(headers, 'x-gogs-signature');
  if (gitea !== undefined) return sameText(gitea.toLowerCase(), hmac);
  const gitlab = header(headers, 'x-gitlab-token');
  if (gitlab !== undefined) return sameText(gitlab, secret);
  return false;
}

/**
 * Checks a push while its body streams in: null when the headers carry no signature or token at
 * all (refused before any byte is read); else `update` per chunk and `verify` at the end.
 */
export function pushVerifier(headers: Headers, secret: string): { update(chunk: Buffer): void; verify(): boolean } | null {
  const github = header(headers, 'x-hub-signature-256');
  const gitea = header(headers, 'x-gitea-signature') ?? header(headers, 'x-gogs-signature');
  const gitlab = header(headers, 'x-gitlab-token');
  if (github === undefined && gitea === undefined && gitlab === undefined) return null;
  const hmac = createHmac('sha256', secret);
  return {
    update: (chunk) => void hmac.update(chunk),
    verify: () => {
      const hex = hmac.digest('hex');
      if (github !== undefined) return sameText(github.toLowerCase(), `sha256=${hex}`);
      if (gitea !== undefined) return sameText(gitea.toLowerCase(), hex);
      return gitlab !== undefined && sameText(gitlab, secret);
    },
  };
}

/** What makes one delivery unique: the forge's delivery id, else the body itself (a replay repeats both). */
export function deliveryKey(headers: Headers, body: Buffer): string {
  const id = header(headers, 'x-github-delivery') ?? header(headers, 'x-gitea-delivery') ?? header(headers, 'x-gitlab-event-uuid');
  return id !== undefined && id.length > 0 && id.length <= 200 ? `id:${id}` : `body:${createHash('sha256').update(body).digest('hex')}`;
}

/** Reads a push payload (same shape on GitHub, Gitea and GitLab): `ref` and `after`. */
export function readPush(headers: Headers, body: Buffer, secret: string): PushVerdict {
  if (!verifyPush(headers, body, secret)) return { ok: false, status: 401, message: 'bad or missing signature' };
  return parsePush(headers, body);
}

/** Reads a push whose signature was already checked. */
export function parsePush(headers: Headers, body: Buffer): PushVerdict {
  const event = header(headers, 'x-github-event') ?? header(headers, 'x-gitea-event') ?? header(headers, 'x-gitlab-event');
  if (event !== undefined && !/^(push|push hook)$/i.test(event)) return { ok: false, status: 202, message: `ignored ${event} event` };
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, message: 'body is not JSON' };
  }
  if (!isRecord(payload) || typeof payload['ref'] !== 'string') return { ok: false, status: 400, message: 'no ref in the payload' };
  const ref = payload['ref'];
  if (!ref.startsWith('refs/heads/')) return { ok: false, status: 202, message: `ignored ${ref}: not a branch` };
  const after = typeof payload['after'] === 'string' && /^[0-9a-f]{40,64}$/.test(payload['after']) ? payload['after'] : null;
  // A deleted branch reports all zeros: nothing to sync to.
  const head = after !== null && /^0+$/.test(after) ? null : after;
  return { ok: true, branch: ref.slice('refs/heads/'.length), head };
}
