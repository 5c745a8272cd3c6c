// How the agent starts one of its child processes: this very program, by another entry (tsc's
// output) or with a hidden verb (the bundles: build/moor.cjs and the single binary, see
// bundle-entry.ts); and how a child that answers one request and ends is run.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUNDLED, bundleFile } from './bundled.js';

export interface ChildCommand {
  file: string;
  args: string[];
}

/** `entry`: the child's module in tsc's output; `verb`: what a bundle is run with instead. */
export async function childCommand(entry: URL, verb: string): Promise<ChildCommand> {
  if (!BUNDLED) return { file: process.execPath, args: [fileURLToPath(entry)] };
  const sea = await import('node:sea').catch(() => null);
  if (sea?.isSea()) return { file: process.execPath, args: [verb] };
  return { file: process.execPath, args: [bundleFile(), verb] };
}

/** A reply read from the channel: the checked value, or why it is not one of the protocol. */
export type ReadReply<Reply> = (raw: unknown) => { ok: true; reply: Reply } | { ok: false; why: string };

/** What a zod schema offers, so that a protocol's reply schema reads a child's reply. */
interface SafeParser<T> {
  safeParse(raw: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** Reads replies with a protocol's schema; what does not match says which keys are wrong. */
export function readWith<Reply>(schema: () => SafeParser<Reply>): ReadReply<Reply> {
  return (raw) => {
    const parsed = schema().safeParse(raw);
    if (parsed.success) return { ok: true, reply: parsed.data };
    return { ok: false, why: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(reply)'}: ${i.message}`).join('; ') };
  };
}

const STDERR_TAIL = 2_000;

/** A child started ahead of its request: `ask` sends the one request, `cancel` ends it unasked. */
export interface OneShotChild<Reply> {
  ask(request: object): Promise<Reply>;
  cancel(): void;
}

/**
 * Starts a child that will answer one request and end. `ask` resolves with its reply once it has
 * ended; a child that cannot start, or ends without a readable reply, rejects with `fail(detail)`:
 * how it ended and the end of what it wrote to stderr.
 */
export function startOneShotChild<Reply>(command: ChildCommand, read: ReadReply<Reply>, fail: (detail: string, cause?: Error) => Error): OneShotChild<Reply> {
  const child = spawn(command.file, command.args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: process.env });
  let reply: Reply | null = null;
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  child.on('message', (raw: unknown) => {
    const read_ = read(raw);
    if (read_.ok) reply = read_.reply;
    else stderr += `\nunreadable reply: ${read_.why}`;
  });
  const answered = new Promise<Reply>((resolve, reject) => {
    child.on('error', (err) => reject(fail(`cannot start: ${err.message}`, err)));
    child.once('exit', (code, signal) => {
      if (reply) resolve(reply);
      else reject(fail(`${signal ? `signal ${signal}` : `exit code ${code ?? '?'}`}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    });
  });
  // Nobody may ever ask (a cancelled child): its end is not an unhandled rejection.
  answered.catch(() => undefined);
  return {
    ask: (request) => {
      // A child that has just died fails the send (EPIPE): its exit, seen next, rejects `answered`.
      if (child.connected) child.send(request, () => undefined);
      return answered;
    },
    cancel: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Starts the child, sends it `request` and resolves with its one reply once it has ended. */
export function runOneShotChild<Reply>(command: ChildCommand, request: object, read: ReadReply<Reply>, fail: (detail: string, cause?: Error) => Error): Promise<Reply> {
  return startOneShotChild(command, read, fail).ask(request);
}

/** In a child: the most memory this process has held (VmHWM), for the agent's log. */
export function peakKb(): number {
  const match = /^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match?.[1] ? Number(match[1]) : 0;
}

