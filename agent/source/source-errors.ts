// Turns transport failures (isomorphic-git, node sockets, the git and ssh CLIs) into
// SourceErrors with a stable code; the original stays as `cause`, secrets stay out.

import { SourceError } from '../contracts/errors.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'SOURCE_TIMEOUT',
]);

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The HTTP status of an isomorphic-git HttpError, if that is what it is. */
function httpStatus(err: unknown): number | null {
  const status = field(field(err, 'data'), 'statusCode');
  return typeof status === 'number' ? status : null;
}

/** Maps an http transport failure; `what` says what was being done, for the message. */
export function mapHttpError(err: unknown, what: string): SourceError {
  if (err instanceof SourceError) return err;
  const status = httpStatus(err);
  if (status === 401 || status === 403) {
    return new SourceError('AUTH_FAILED', `${what}: the git server refused the credentials (HTTP ${status})`, {
      cause: err,
      data: { status },
    });
  }
  if (status !== null && status >= 500) {
    return new SourceError('UNREACHABLE', `${what}: the git server answered HTTP ${status}`, {
      cause: err,
      data: { status },
    });
  }
  const code = field(err, 'code');
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new SourceError('UNREACHABLE', `${what}: git server unreachable (${code})`, { cause: err, data: { code } });
  }
  if (code === 'NotFoundError') {
    return new SourceError('BRANCH_NOT_FOUND', `${what}: branch not found on the server`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SourceError('SOURCE_FAILED', `${what}: ${message}`, {
    cause: err,
    data: status === null ? {} : { status },
  });
}

/** Maps a failed `git` command talking over ssh, from its stderr. */
export function mapGitCliError(err: unknown, stderr: string, what: string): SourceError {
  const text = stderr.toLowerCase();
  const reason = lastLine(stderr);
  if (text.includes('host key verification failed') || text.includes('remote host identification has changed')) {
    return new SourceError('AUTH_FAILED', `${what}: ssh host key verification failed (check knownHostsFile)`, {
      cause: err,
      data: { reason: 'host-key' },
    });
  }
  if (text.includes('permission denied') || text.includes('authentication failed')) {
    return new SourceError('AUTH_FAILED', `${what}: ssh authentication failed (${reason})`, {
      cause: err,
      data: { reason: 'permission-denied' },
    });
  }
  if (
    text.includes('connection refused') ||
    text.includes('connection timed out') ||
    text.includes('could not resolve hostname') ||
    text.includes('no route to host') ||
    text.includes('network is unreachable') ||
    text.includes('connection closed by') ||
    field(err, 'code') === 'SOURCE_TIMEOUT'
  ) {
    return new SourceError('UNREACHABLE', `${what}: git server unreachable (${reason || 'timeout'})`, { cause: err });
  }
  if (text.includes("couldn't find remote ref") || text.includes('could not find remote ref')) {
    return new SourceError('BRANCH_NOT_FOUND', `${what}: branch not found on the server`, { cause: err });
  }
  return new SourceError('SOURCE_FAILED', `${what}: ${reason || 'git failed'}`, { cause: err });
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? '';
}
