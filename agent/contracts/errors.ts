// moor's error classes: a stable code, structured data, and how the loop should handle it.
// Adapters wrap library errors in these, keeping the original as `cause`.

/**
 * How the reconcile loop treats an error, so that it acts without string matching:
 * - `commit`: the commit itself is at fault (invalid, refused by policy or signature,
 *   unhealthy); mark it failed and do not retry until the branch moves.
 * - `retry`: something outside the commit (git, registry, engine unreachable); retry with
 *   backoff on the same commit.
 * - `fatal`: the agent cannot run as configured (bad agent.yaml, state dir unusable).
 * - `bug`: an exception moor did not expect (a TypeError, a failed assertion): reported loudly,
 *   counted, and retried only after a long backoff, never as if the network were flaky.
 */
export type ErrorHandling = 'commit' | 'retry' | 'fatal' | 'bug';

export interface ErrorJSON {
  name: string;
  code: string;
  message: string;
  handling: ErrorHandling;
  data?: Record<string, unknown>;
  cause?: string;
}

export class MoorError extends Error {
  readonly code: string;
  readonly handling: ErrorHandling;
  readonly data: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    options: { handling?: ErrorHandling; data?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.handling = options.handling ?? 'retry';
    this.data = options.data ?? {};
  }

  toJSON(): ErrorJSON {
    const json: ErrorJSON = { name: this.name, code: this.code, message: this.message, handling: this.handling };
    if (Object.keys(this.data).length > 0) json.data = this.data;
    if (this.cause !== undefined) json.cause = describeCause(this.cause);
    return json;
  }
}

/** One problem found in a config file: where it is and what is wrong. */
export interface ConfigProblem {
  file: string;
  line: number;
  /** Dotted path of the key, e.g. `services.web.ports[0]`; empty for the whole file. */
  key: string;
  message: string;
}

function isConfigProblem(value: unknown): value is ConfigProblem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['file'] === 'string' && typeof v['line'] === 'number' && typeof v['key'] === 'string' && typeof v['message'] === 'string';
}

export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}:${p.line}`;
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

/** The commit's configuration is invalid or refused by policy; nothing of it is applied. */
export class InvalidConfigError extends MoorError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], options: { handling?: ErrorHandling } = {}) {
    const first = problems[0];
    const head = first ? formatProblem(first) : 'invalid configuration';
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('INVALID_CONFIG', head + more, { handling: options.handling ?? 'commit', data: { problems } });
    this.problems = problems;
  }

  /** The problems an INVALID_CONFIG error carried across a process boundary; none for other errors. */
  static problemsOf(error: Pick<ErrorJSON, 'code' | 'data'>): ConfigProblem[] {
    const list = error.code === 'INVALID_CONFIG' ? error.data?.['problems'] : undefined;
    return Array.isArray(list) ? list.filter(isConfigProblem) : [];
  }
}

/** agent.yaml or hub.yaml is invalid: the process cannot run as configured. */
export class SettingsError extends MoorError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const first = problems[0];
    super('INVALID_SETTINGS', first ? formatProblem(first) : 'invalid settings', {
      handling: 'fatal',
      data: { problems },
    });
    this.problems = problems;
  }
}

export class SourceError extends MoorError {}
export class DockerError extends MoorError {}
export class StoreError extends MoorError {}
export class SystemdError extends MoorError {}
export class FileError extends MoorError {}

/** The commit's own resources did not become healthy after apply. */
export class HealthError extends MoorError {
  constructor(message: string, data: Record<string, unknown>) {
    super('UNHEALTHY', message, { handling: 'commit', data });
  }
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/** The kinds of exception that only a mistake in moor's own code throws. */
const BUG_CLASSES = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError] as const;

/** True for an exception that says moor's code is wrong (rather than the world outside it). */
export function isBug(err: unknown): boolean {
  if (err instanceof MoorError) return err.handling === 'bug';
  if (!(err instanceof Error)) return true; // a thrown string or object: nobody meant that
  if (BUG_CLASSES.some((c) => err instanceof c)) return true;
  return err.name === 'AssertionError' || ('code' in err && err.code === 'ERR_ASSERTION');
}

/**
 * Wraps anything thrown into a MoorError so that callers can rely on `code` and `handling`.
 * A library's own error (a socket closed, a file missing) is worth a retry; a TypeError or a
 * thrown non-Error is a bug in moor and gets `handling: 'bug'` and code `BUG`.
 */
export function toMoorError(err: unknown, fallbackCode = 'INTERNAL'): MoorError {
  if (err instanceof MoorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isBug(err)) return new MoorError('BUG', `unexpected ${err instanceof Error ? err.name : 'exception'}: ${message}`, { handling: 'bug', cause: err });
  return new MoorError(fallbackCode, message, { handling: 'retry', cause: err });
}
