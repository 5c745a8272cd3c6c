// The poll of the http(s) transport: one protocol-v2 ls-refs POST over node:http (http-client.ts),
// without the discovery GET and without isomorphic-git, which the resident agent loads only when
// the branch moved (http-source.ts). About 325 bytes whatever the number of branches.

import type { HttpClient } from 'isomorphic-git';
import { SourceError } from '../contracts/errors.js';
import type { SourceSettings } from '../settings/model.js';

export function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, '0') + text;
}

/** Splits a pkt-line stream into its data lines; stops at the first flush packet. */
export function parsePktLines(buf: Buffer): string[] | null {
  const lines: string[] = [];
  let at = 0;
  while (at + 4 <= buf.length) {
    const len = Number.parseInt(buf.subarray(at, at + 4).toString('ascii'), 16);
    if (Number.isNaN(len)) return null;
    if (len === 0) return lines;
    if (len < 4 || at + len > buf.length) return null;
    lines.push(buf.subarray(at + 4, at + len).toString('utf8').replace(/\n$/, ''));
    at += len;
  }
  return null;
}

export function authHeaders(settings: SourceSettings): Record<string, string> {
  const { username, password } = settings.auth;
  if (password === null) return {};
  const token = Buffer.from(`${username ?? ''}:${password}`, 'utf8').toString('base64');
  return { Authorization: `Basic ${token}` };
}

export async function readAll(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  if (body) for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

export interface RefLine {
  ref: string;
  oid: string;
}

/**
 * One POST: protocol v2 ls-refs of `fullRef` without the discovery GET. Null when the server
 * cannot do it (the caller falls back to isomorphic-git's discovery); SourceError on 401/403/5xx.
 */
export async function lsRefsDirect(client: HttpClient, target: { url: string; headers: Record<string, string>; branch: string; fullRef: string }): Promise<RefLine[] | null> {
  const { url, headers, branch, fullRef } = target;
  const body = pktLine('command=ls-refs\n') + pktLine('agent=moor\n') + '0001' + pktLine(`ref-prefix ${fullRef}\n`) + '0000';
  const res = await client.request({
    url: `${url}/git-upload-pack`,
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
      'git-protocol': 'version=2',
      'user-agent': 'git/moor',
    },
    body: (async function* () {
      yield Buffer.from(body, 'utf8');
    })(),
  });
  const payload = await readAll(res.body);
  if (res.statusCode === 401 || res.statusCode === 403) {
    throw new SourceError('AUTH_FAILED', `polling ${branch}: the git server refused the credentials (HTTP ${res.statusCode})`, {
      data: { status: res.statusCode },
    });
  }
  if (res.statusCode >= 500) {
    throw new SourceError('UNREACHABLE', `polling ${branch}: the git server answered HTTP ${res.statusCode}`, {
      data: { status: res.statusCode },
    });
  }
  const type = res.headers?.['content-type'] ?? '';
  if (res.statusCode !== 200 || !type.includes('git-upload-pack-result')) return null;
  const lines = parsePktLines(payload);
  if (lines === null || lines.some((l) => l.startsWith('ERR ') || !/^[0-9a-f]{40} /.test(l))) return null;
  return lines.map((l) => ({ oid: l.slice(0, 40), ref: l.slice(41).split(' ')[0] ?? '' }));
}
