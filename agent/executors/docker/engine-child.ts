// The container engine's writes in a child process (engine-child-main.ts): started on the first
// write of a sync and ended by release() when the sync is over, so that the resident agent never
// loads dockerode (about 10 MB it would keep for good). What the child remembers across calls
// (anonymous volumes of removed containers) comes back at its end and seeds the next one.
// A child that dies fails its pending calls with a retryable error, as an engine that vanished.

import { spawn, type ChildProcess } from 'node:child_process';
import { childCommand, type ChildCommand } from '../../child-command.js';
import { ENGINE_VERB } from '../../contracts/child-verbs.js';
import { DockerError } from '../../contracts/errors.js';
import {
  engineChildReplySchema, resultSchemas,
  type CarriedVolumes, type ChildMethod, type EngineChildCall, type EngineChildInit, type EngineChildRequest,
} from './engine-child-protocol.js';
import type { ContainerEngine } from './port.js';

export const engineChildCommand = (): Promise<ChildCommand> => childCommand(new URL('./engine-child-main.js', import.meta.url), ENGINE_VERB);

type Args<M extends ChildMethod> = Parameters<NonNullable<ContainerEngine[M]>>;
type Result<M extends ChildMethod> = Awaited<ReturnType<NonNullable<ContainerEngine[M]>>>;

export interface EngineChildOptions {
  command: () => Promise<ChildCommand>;
  init: Omit<EngineChildInit, 'type' | 'carried'>;
  /** How long an ending child may take to hand back what it remembers before it is killed. */
  endTimeoutMs?: number;
}

export interface EngineChild {
  call<M extends ChildMethod>(method: M, ...args: Args<M>): Promise<Result<M>>;
  /** Starts a child now, if none runs, so that its start overlaps other work (a checkout). */
  prepare(): void;
  /** Ends the running child (if any) once it has handed back what it remembers. */
  release(): Promise<void>;
  /** The running child's process id; null between syncs (status, drills). */
  pid(): number | null;
}

interface Pending {
  method: ChildMethod;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

const STDERR_TAIL = 2_000;

/** One child: its process, its calls in flight, and what it hands back at its end. */
class RunningChild {
  readonly pending = new Map<number, Pending>();
  readonly ended: Promise<CarriedVolumes | null>;
  private stderr = '';
  private endWith: (carried: CarriedVolumes | null) => void = () => undefined;

  constructor(private readonly proc: ChildProcess) {
    this.ended = new Promise((resolve) => (this.endWith = resolve));
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => void (this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL)));
    proc.on('message', (raw: unknown) => this.receive(raw));
    // Not once: a child killed under a sync can fail more than one send before its end is seen.
    proc.on('error', (err) => this.failAll(`the engine child failed: ${err.message}`));
    proc.once('exit', (code, signal) => this.failAll(`the engine child ended (${signal ? `signal ${signal}` : `exit code ${code ?? '?'}`})${this.stderr ? `: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
  }

  /** A send to a child that has just died fails (EPIPE) before its exit is seen: its calls fail then, as at its exit. */
  send(request: EngineChildRequest): void {
    if (this.proc.connected) this.proc.send(request, (err) => err && this.failAll(`cannot reach the engine child: ${err.message}`));
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }

  get pid(): number | null {
    return this.proc.pid ?? null;
  }

  private receive(raw: unknown): void {
    const parsed = engineChildReplySchema().safeParse(raw);
    if (!parsed.success) return this.failAll(`an unreadable reply from the engine child: ${parsed.error.issues[0]?.message ?? ''}`, 'bug');
    const reply = parsed.data;
    if (reply.type === 'ended') return this.endWith(reply.carried);
    if (reply.type === 'refused') return this.failAll(`the engine child refused a request: ${reply.message}`, 'bug');
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    if (reply.type === 'failed') {
      const { code, message, handling, data } = reply.error;
      return call.reject(new DockerError(code, message, { handling, ...(data ? { data } : {}) }));
    }
    const result = resultSchemas()[call.method].safeParse(reply.value);
    if (result.success) call.resolve(result.data);
    else call.reject(new DockerError('ENGINE_CHILD_PROTOCOL', `the engine child answered ${call.method} with an unexpected result`, { handling: 'bug' }));
  }

  private failAll(message: string, handling: 'retry' | 'bug' = 'retry'): void {
    for (const call of this.pending.values()) call.reject(new DockerError('ENGINE_CHILD_FAILED', message, { handling }));
    this.pending.clear();
    this.endWith(null);
    // A child given up on (it refused a request, or its reply was unreadable) may still run: it
    // would hold its IPC channel, and this process, open for good. Its successor starts afresh.
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

export function engineChild(options: EngineChildOptions): EngineChild {
  let carried: CarriedVolumes = [];
  let running: Promise<RunningChild> | null = null;
  let releasing: Promise<void> = Promise.resolve();
  let nextId = 1;
  let current: RunningChild | null = null;

  async function start(): Promise<RunningChild> {
    await releasing;
    const command = await options.command();
    const child = new RunningChild(spawn(command.file, command.args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: process.env }));
    child.send({ type: 'init', ...options.init, carried });
    // A child that dies on its own is replaced at the next call.
    void child.ended.then(() => {
      if (running !== null && current === child) running = null;
    });
    current = child;
    return child;
  }

  async function call<M extends ChildMethod>(method: M, ...args: Args<M>): Promise<Result<M>> {
    const child = await (running ??= start());
    const id = nextId++;
    const request: EngineChildCall<M> = { type: 'call', id, method, args };
    return new Promise<Result<M>>((resolve, reject) => {
      child.pending.set(id, { method, resolve: (value) => resolve(value as Result<M>), reject });
      child.send(request);
    });
  }

  async function release(): Promise<void> {
    const ending = running;
    if (ending === null) return releasing;
    running = null;
    current = null;
    releasing = (async () => {
      const child = await ending;
      child.send({ type: 'end' });
      const timer = setTimeout(() => child.kill(), options.endTimeoutMs ?? 10_000);
      const handed = await child.ended;
      clearTimeout(timer);
      if (handed !== null) carried = handed;
    })();
    return releasing;
  }

  function prepare(): void {
    if (running !== null) return;
    running = start();
    // A start that fails is the first call's error (call() awaits the same promise), never an unhandled one.
    running.catch(() => undefined);
  }

  return { call, prepare, release, pid: () => current?.pid ?? null };
}
