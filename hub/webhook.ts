// The git push webhook: checks the sender (GitHub/Gitea HMAC-SHA256 signature, GitLab token) and
// reads which branch moved to which commit. Pure: headers and body in, verdict out.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../agent/reporter/protocol.js';

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

/** Reads a push payload (same shape on GitHub, Gitea and GitLab): `ref` and `after`. */
export function readPush(headers: Headers, body: Buffer, secret: string): PushVerdict {
  if (!verifyPush(headers, body, secret)) return { ok: false, status: 401, message: 'bad or missing signature' };
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
