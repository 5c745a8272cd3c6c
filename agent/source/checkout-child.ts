// Runs a source's checkout (fetch and export of a new commit) in a short-lived child process, so
// that the agent's own memory never holds what git needs for a large commit: isomorphic-git keeps
// several copies of a big blob while it indexes and reads a pack, and V8 does not give a grown
// heap back. The poll (head) stays in the agent: it is one small request.

import { spawn } from 'node:child_process';
import { childCommand, type ChildCommand } from '../child-command.js';
import { CHECKOUT_VERB, checkoutReplySchema, type CheckoutReply, type CheckoutRequest } from '../contracts/checkout-protocol.js';
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

const STDERR_TAIL = 2_000;

function childFailed(detail: string): SourceError {
  return new SourceError('CHECKOUT_CHILD_FAILED', `the checkout child ended without an answer (${detail})`, { handling: 'retry', data: { detail } });
}

function runChild(command: ChildCommand, request: CheckoutRequest): Promise<CheckoutReply> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: process.env });
    let reply: CheckoutReply | null = null;
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    child.on('message', (raw: unknown) => {
      const parsed = checkoutReplySchema().safeParse(raw);
      if (parsed.success) reply = parsed.data;
      else stderr += `\nunreadable reply: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(reply)'}: ${i.message}`).join('; ')}`;
    });
    child.once('error', (err) => reject(new SourceError('CHECKOUT_CHILD_FAILED', `cannot start the checkout child: ${err.message}`, { handling: 'retry', cause: err })));
    child.once('exit', (code, signal) => {
      if (reply) resolve(reply);
      else reject(childFailed(`${signal ? `signal ${signal}` : `exit code ${code ?? '?'}`}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    });
    child.send(request);
  });
}

export function checkoutInChild(inner: ConfigSource, options: CheckoutChildOptions): ConfigSource {
  async function checkout(commit: string, destDir: string): Promise<RevisionInfo> {
    const started = Date.now();
    const request: CheckoutRequest = { type: 'checkout', settings: options.settings, gitDir: options.gitDir, commit, destDir };
    if (options.timeoutMs !== undefined) request.timeoutMs = options.timeoutMs;
    const reply = await runChild(await options.command(), request);
    options.onDone?.({ commit, peakKb: reply.peakKb, ms: Date.now() - started, ok: reply.type === 'checked-out' });
    if (reply.type === 'checked-out') return reply.revision;
    const { code, message, handling, data } = reply.error;
    throw new SourceError(code, message, { handling, ...(data ? { data } : {}) });
  }
  return { head: () => inner.head(), checkout, stats: () => inner.stats() };
}
