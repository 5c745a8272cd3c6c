// Runs the real moor CLI and daemon as child processes for end-to-end tests: config written to a
// temp dir, output to a log file (never the terminal), helpers to wait for a condition.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The node build, build/moor.cjs (`npm run build`, package.json's bin), from this file's build/test/bed/. */
export const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../moor.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `moor ARGS` to completion. */
export function moor(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, MOOR_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface AgentProcess {
  child: ChildProcess;
  logFile: string;
  /** SIGTERM, then wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, then wait. */
  kill9(): Promise<void>;
  exited(): boolean;
}

export function startAgent(configFile: string, options: { logFile: string; env?: NodeJS.ProcessEnv }): AgentProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [MAIN, 'agent', '--config', configFile], {
    env: { ...process.env, MOOR_LOG_LEVEL: 'debug', ...options.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let done = false;
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => ((done = true), r(code))));
  return {
    child,
    logFile: options.logFile,
    exited: () => done,
    stop: async () => {
      if (!done) child.kill('SIGTERM');
      return exit;
    },
    kill9: async () => {
      if (!done) child.kill('SIGKILL');
      await exit;
    },
  };
}

/** Polls `probe` until it returns something truthy; fails with `what` after the timeout. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes an agent.yaml for a test host and returns its path. */
export function writeAgentConfig(dir: string, yaml: string): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, yaml);
  return file;
}
