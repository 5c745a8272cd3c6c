// Runs a source's checkout (fetch and export of a new commit) in a short-lived child process, so
// that the agent's own memory never holds what git needs for a large commit: isomorphic-git keeps
// several copies of a big blob while it indexes and reads a pack, and V8 does not give a grown
// heap back. The poll (head) stays in the agent: it is one small request. What git says of the new
// commit for the commit gate (its signature, a rewind) comes back with the checkout, or from a
// child of its own when the commit was fetched before.

import { childCommand, runOneShotChild, readWith, type ChildCommand } from '../child-command.js';
import { CHECKOUT_VERB, checkoutReplySchema, type CheckoutReply, type CheckoutRequest } from '../contracts/checkout-protocol.js';
import { SourceError } from '../contracts/errors.js';
import type { CommitFacts, CommitFactsReader } from './commit-facts.js';
import type { ConfigSource, RevisionInfo, SourceOptions } from './port.js';

export type { ChildCommand } from '../child-command.js';

/** The node build runs checkout-main.js beside this file; the single binary runs itself with a verb. */
export const checkoutChildCommand = (): Promise<ChildCommand> => childCommand(new URL('./checkout-main.js', import.meta.url), CHECKOUT_VERB);

export interface CheckoutChildOptions extends SourceOptions {
  command: () => Promise<ChildCommand>;
  /** The commit applied now: each checkout brings back the new commit's facts against it. */
  applied: () => string | null;
  /** Told of each child's end: its peak memory (VmHWM) and how long it took. */
  onDone?: (report: { commit: string; peakKb: number; ms: number; ok: boolean }) => void;
}

function childFailed(detail: string, cause?: Error): SourceError {
  return new SourceError('CHECKOUT_CHILD_FAILED', `the checkout child ended without an answer (${detail})`, { handling: 'retry', data: { detail }, ...(cause ? { cause } : {}) });
}

/** The source whose checkouts run in a child, and the commit gate's reader of git's facts. */
export interface ChildCheckouts extends ConfigSource {
  facts: CommitFactsReader;
}

export function checkoutInChild(inner: ConfigSource, options: CheckoutChildOptions): ChildCheckouts {
  // The facts of the last checkout: the gate asks for them right after it.
  let last: CommitFacts | null = null;

  async function run(request: CheckoutRequest, commit: string): Promise<CheckoutReply> {
    const started = Date.now();
    const reply = await runOneShotChild(await options.command(), request, readWith(checkoutReplySchema), childFailed);
    options.onDone?.({ commit, peakKb: reply.peakKb, ms: Date.now() - started, ok: reply.type !== 'failed' });
    if (reply.type !== 'failed') return reply;
    const { code, message, handling, data } = reply.error;
    throw new SourceError(code, message, { handling, ...(data ? { data } : {}) });
  }

  async function checkout(commit: string, destDir: string): Promise<RevisionInfo> {
    const request: CheckoutRequest = { type: 'checkout', settings: options.settings, gitDir: options.gitDir, commit, destDir, factsAgainst: options.applied() };
    if (options.timeoutMs !== undefined) request.timeoutMs = options.timeoutMs;
    const reply = await run(request, commit);
    if (reply.type !== 'checked-out') throw new SourceError('CHECKOUT_PROTOCOL', `the checkout child answered a checkout with ${reply.type}`, { handling: 'bug' });
    last = reply.facts ?? null;
    return reply.revision;
  }

  async function facts(commit: string, applied: string | null): Promise<CommitFacts> {
    if (last && last.commit === commit && last.applied === applied) return last;
    const reply = await run({ type: 'facts', settings: options.settings, gitDir: options.gitDir, commit, applied }, commit);
    if (reply.type !== 'facts') throw new SourceError('CHECKOUT_PROTOCOL', `the checkout child answered a facts request with ${reply.type}`, { handling: 'bug' });
    return (last = reply.facts);
  }

  return { head: () => inner.head(), checkout, facts, stats: () => inner.stats() };
}
