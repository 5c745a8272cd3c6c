// Turns what dockerode throws (HTTP status errors, socket errors, pull stream errors) into
// DockerError with a stable code and a handling, keeping the original as `cause`.

import { DockerError, type ErrorHandling } from '../../contracts/errors.js';

export type DockerOperation =
  | 'ping'
  | 'list'
  | 'inspect'
  | 'logs'
  | 'pull'
  | 'create'
  | 'start'
  | 'stop'
  | 'remove'
  | 'rename'
  | 'connect'
  | 'network'
  | 'volume'
  | 'build';

/** Socket-level failures: the engine is not there (yet); always worth retrying. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The HTTP status of a dockerode error, or null for socket errors and others. */
export function statusOf(err: unknown): number | null {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const s = (err as { statusCode: unknown }).statusCode;
    if (typeof s === 'number') return s;
  }
  return null;
}

function errnoOf(err: unknown): string | null {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = (err as { code: unknown }).code;
    if (typeof c === 'string') return c;
  }
  return null;
}

/** The engine's own message (`{"message": ...}` in the body) when there is one. */
export function engineMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = (err as { json: unknown }).json;
    if (typeof json === 'object' && json !== null && 'message' in json) {
      const m = (json as { message: unknown }).message;
      if (typeof m === 'string') return m;
    }
  }
  const text = err instanceof Error ? err.message : String(err);
  // docker-modem prefixes the engine's words with its own "(HTTP code 404) unexpected - ".
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '');
}

/** Registry answers that mean "not with these credentials": worth a retry, not the commit's fault. */
function isAuthMessage(message: string): boolean {
  return /unauthorized|denied|authentication|credentials/i.test(message);
}

/** True for the "this image does not exist there" answers of a registry, as the engine relays them. */
export function isImageNotFoundMessage(message: string): boolean {
  return /manifest unknown|not found|does not exist|no such image|name unknown/i.test(message) && !isAuthMessage(message);
}

export function toDockerError(err: unknown, op: DockerOperation, data: Record<string, unknown> = {}): DockerError {
  if (err instanceof DockerError) return err;
  const status = statusOf(err);
  const message = engineMessage(err);
  const errno = errnoOf(err);
  const make = (code: string, handling: ErrorHandling, text: string): DockerError =>
    new DockerError(code, text, { handling, data: { ...data, op, status, errno }, cause: err });

  if (status === null && errno !== null && UNREACHABLE_CODES.has(errno)) {
    return make('ENGINE_UNREACHABLE', 'retry', `Docker engine unreachable (${errno}) during ${op}`);
  }
  if (op === 'pull') {
    if (!isAuthMessage(message) && (status === 404 || isImageNotFoundMessage(message))) {
      return make('IMAGE_NOT_FOUND', 'commit', `image not found in its registry: ${message}`);
    }
    return make('PULL_FAILED', 'retry', `pull failed: ${message}`);
  }
  if (op === 'create') {
    if (status === 404) return make('IMAGE_MISSING', 'retry', `image missing locally: ${message}`);
    if (status === 409) return make('CONFLICT', 'retry', `container name in use: ${message}`);
    // 400: the engine checked the request and refused it (bad mount, bad option): the commit's fault.
    if (status === 400) return make('CREATE_FAILED', 'commit', `engine refused the container: ${message}`);
    // 500: the engine failed inside (e.g. "error creating overlay mount" while it shuts down or
    // restarts): not the commit's fault; blaming it would roll back, or leave the host half-applied.
    if (status === 500) return make('CREATE_FAILED', 'retry', `engine failed to create the container: ${message}`);
  }
  // After an engine restart a container can keep a containerd task that no longer runs: starting
  // it again fails the same way for ever; only a new container gets past it.
  if (op === 'start' && /already exists/i.test(message)) return make('STALE_TASK', 'retry', `start failed: ${message}`);
  if (status === 404) return make('NOT_FOUND', 'retry', `${op}: not found: ${message}`);
  if (status === 409) return make('CONFLICT', 'retry', `${op}: conflict: ${message}`);
  if (op === 'start') return make('START_FAILED', 'retry', `start failed: ${message}`);
  return make('ENGINE_ERROR', 'retry', `${op} failed: ${message}`);
}
