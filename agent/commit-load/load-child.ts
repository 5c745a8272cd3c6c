// Loads a new commit's tree in a short-lived child process (load-main.ts), so that the resident
// agent never holds the loader (yaml, the compose loader and its schemas, ICU's collation): what
// a commit's parse needs is given back to the system when the child ends. The agent checks the
// state the child sends with the same schema as a stored state (contracts/desired-schema.ts). The
// daemon starts the child while the commit is checked out, so that node's start and the loader's
// modules are ready when the tree is.

import { childCommand, readWith, startOneShotChild, type ChildCommand, type OneShotChild } from '../child-command.js';
import { InvalidConfigError, MoorError, type ConfigProblem } from '../contracts/errors.js';
import type { ChildError } from '../contracts/child-error.js';
import { LOAD_VERB, loadReplySchema, type LoadReply, type LoadRequest } from '../contracts/load-protocol.js';
import type { DesiredState } from '../desired/model.js';

/** The node build runs load-main.js beside this file; the bundles run themselves with a verb. */
export const loadChildCommand = (): Promise<ChildCommand> => childCommand(new URL('./load-main.js', import.meta.url), LOAD_VERB);

export interface LoadChildOptions {
  command: () => Promise<ChildCommand>;
  /** How to read every commit: the request without its tree. */
  request: Omit<LoadRequest, 'type' | 'dir'>;
  /** Receives what the load found allowed but worth saying (already redacted by the child). */
  onWarning?: (warning: ConfigProblem) => void;
  /** Told of each child's end: its peak memory (VmHWM) and how long it took. */
  onDone?: (report: { dir: string; peakKb: number; ms: number; ok: boolean }) => void;
  /** How long a child started ahead waits to be asked before it is ended (default 30 s). */
  aheadMs?: number;
}

function childFailed(detail: string, cause?: Error): MoorError {
  return new MoorError('LOAD_CHILD_FAILED', `the load child ended without an answer (${detail})`, { handling: 'retry', data: { detail }, ...(cause ? { cause } : {}) });
}

/** The child's error as the loop knows it: an invalid commit stays an InvalidConfigError with its problems. */
function errorOf(error: ChildError): MoorError {
  if (error.code === 'INVALID_CONFIG') return new InvalidConfigError(InvalidConfigError.problemsOf(error), { handling: error.handling });
  return new MoorError(error.code, error.message, { handling: error.handling, ...(error.data ? { data: error.data } : {}) });
}

/** Loads a commit's tree in a child; `prepare` starts the next child ahead, `release` ends an unused one. */
export interface ChildLoads {
  load(dir: string): Promise<DesiredState>;
  /** Starts a child now, if none waits, so that its start overlaps other work (the checkout). */
  prepare(): void;
  /** Ends a child started ahead and not asked (the commit was refused, or its state was stored). */
  release(): void;
}

export function loadInChild(options: LoadChildOptions): ChildLoads {
  let waiting: Promise<OneShotChild<LoadReply>> | null = null;
  let expiry: NodeJS.Timeout | null = null;
  const start = async (): Promise<OneShotChild<LoadReply>> => startOneShotChild(await options.command(), readWith(loadReplySchema), childFailed);

  async function load(dir: string): Promise<DesiredState> {
    const started = Date.now();
    // Taken at once: a release meanwhile (the expiry, a sync's end) can no longer end this child.
    const pending = waiting ?? start();
    waiting = null;
    if (expiry) clearTimeout(expiry);
    const child = await pending;
    const request: LoadRequest = { type: 'load', dir, ...options.request };
    const reply = await child.ask(request);
    for (const warning of reply.warnings) options.onWarning?.(warning);
    options.onDone?.({ dir, peakKb: reply.peakKb, ms: Date.now() - started, ok: reply.type === 'loaded' });
    if (reply.type === 'loaded') return reply.state;
    throw errorOf(reply.error);
  }

  function prepare(): void {
    if (waiting) return;
    waiting = start();
    // A start that fails is the load's error (load() awaits the same promise), never an unhandled one.
    waiting.catch(() => undefined);
    // A commit checked out and never loaded (a plan asked for, a checkout that failed) leaves no
    // process behind for long, whether or not a sync ends to release it.
    expiry = setTimeout(release, options.aheadMs ?? 30_000);
    expiry.unref();
  }

  function release(): void {
    if (expiry) clearTimeout(expiry);
    const unused = waiting;
    waiting = null;
    void unused?.then((child) => child.cancel(), () => undefined);
  }

  return { load, prepare, release };
}
