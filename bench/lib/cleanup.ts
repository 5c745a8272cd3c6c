// What a benchmark started, stopped on every exit path (done, failed, interrupted): child processes
// by their own PID (SIGTERM, then SIGKILL after a grace period), then the other undo steps, newest first.

import { spawn, type ChildProcess } from 'node:child_process';

type Step = () => Promise<void> | void;

export class Cleanup {
  private readonly steps: Step[] = [];
  private running: Promise<void> = Promise.resolve();

  /** Stops `child` at cleanup: `signal` first, SIGKILL if it has not exited after `graceMs`. */
  child(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): void {
    this.add(() => stopChild(child, signal, graceMs));
  }

  add(step: Step): void {
    this.steps.push(step);
  }

  /** Runs the steps added so far, newest first, each once (a call meanwhile waits for them); a failing step does not stop the others. */
  run(): Promise<void> {
    this.running = this.running.then(async () => {
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        try {
          await step();
        } catch (err) {
          process.stderr.write(`cleanup: ${String(err)}\n`);
        }
      }
    });
    return this.running;
  }

  /** SIGINT, SIGTERM and SIGHUP clean up, then exit with 128 + the signal's number (a repeated signal waits too). */
  onSignals(): void {
    const codes: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
    for (const [signal, code] of Object.entries(codes)) {
      process.on(signal, () => void this.run().finally(() => process.exit(code)));
    }
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Runs this same script again with the soft descriptor limit raised (`ulimit` is a shell builtin),
 * passing on SIGINT and SIGTERM so the child cleans up; resolves with the child's exit code.
 */
export function rerunWithDescriptors(limit: string, marker: string): Promise<number> {
  const child = spawn('bash', ['-c', `ulimit -n ${limit} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, [marker]: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
