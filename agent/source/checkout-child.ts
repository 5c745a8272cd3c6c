// Runs a source's checkout (fetch and export of a new commit) in a short-lived child process, so
// that the agent's own memory never holds what git needs for a large commit: isomorphic-git keeps
// several copies of a big blob while it indexes and reads a pack, and V8 does not give a grown
// heap back. The poll (head) stays in the agent: it is one small request.

import { childCommand, runOneShotChild, readWith, type ChildCommand } from '../child-command.js';
import { CHECKOUT_VERB, checkoutReplySchema, type CheckoutRequest } from '../contracts/checkout-protocol.js';
import { SourceError } from '../contracts/errors.js';
import type { ConfigSource, RevisionInfo, SourceOptions } from './port.js';

export type { ChildCommand } from '../child-command.js';

/** The node build runs checkout-main.js beside this file; the single binary runs itself with a verb. */
export const checkoutChildCommand = (): Promise<ChildCommand> => childCommand(new URL('./checkout-main.js', import.meta.url), CHECKOUT_VERB);

export interface CheckoutChildOptions extends SourceOptions {
  command: () => Promise<ChildCommand>;
  /** Told of each child's end: its peak memory (VmHWM) and how long it took. */
  onDone?: (report: { commit: string; peakKb: number; ms: number; ok: boolean }) => void;
}

function childFailed(detail: string, cause?: Error): SourceError {
  return new SourceError('CHECKOUT_CHILD_FAILED', `the checkout child ended without an answer (${detail})`, { handling: 'retry', data: { detail }, ...(cause ? { cause } : {}) });
}

export function checkoutInChild(inner: ConfigSource, options: CheckoutChildOptions): ConfigSource {
  async function checkout(commit: string, destDir: string): Promise<RevisionInfo> {
    const started = Date.now();
    const request: CheckoutRequest = { type: 'checkout', settings: options.settings, gitDir: options.gitDir, commit, destDir };
    if (options.timeoutMs !== undefined) request.timeoutMs = options.timeoutMs;
    const reply = await runOneShotChild(await options.command(), request, readWith(checkoutReplySchema), childFailed);
    options.onDone?.({ commit, peakKb: reply.peakKb, ms: Date.now() - started, ok: reply.type === 'checked-out' });
    if (reply.type === 'checked-out') return reply.revision;
    const { code, message, handling, data } = reply.error;
    throw new SourceError(code, message, { handling, ...(data ? { data } : {}) });
  }
  return { head: () => inner.head(), checkout, stats: () => inner.stats() };
}
