// An engine child that dies between two calls of a sync, before this process has seen it end: the
// sends to it fail (EPIPE) instead of reaching it. Each such call fails as retryable, as at the
// child's exit, and the agent stays up (a kill -9 drill once ended the agent there: the second failed
// send was an 'error' event nobody listened to). No engine is needed: the child is a node process
// that kills itself when its first message (the init) arrives.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DockerError } from '../../../../agent/contracts/errors.js';
import { engineChild } from '../../../../agent/executors/docker/engine-child.js';

const SELF_KILLING_CHILD = "process.on('message', () => process.kill(process.pid, 'SIGKILL'))";

/** Whether `pid` has ended and waits to be reaped: this process has not seen its end yet. */
function zombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Blocks this thread (its event loop too, so no exit is seen meanwhile) until `check` holds. */
function blockUntil(check: () => boolean, timeoutMs = 30_000): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    Atomics.wait(cell, 0, 0, 20);
  }
}

const retryable = (err: unknown): boolean => err instanceof DockerError && err.code === 'ENGINE_CHILD_FAILED' && err.handling === 'retry';

describe('an engine child that died unseen', () => {
  it('fails every call sent to it as retryable, and the agent stays up', async () => {
    const child = engineChild({
      command: async () => ({ file: process.execPath, args: ['-e', SELF_KILLING_CHILD] }),
      init: { docker: { socketPath: '/nonexistent.sock', host: null, port: null, configFile: null }, registries: [], dockerConfigFile: null },
    });
    child.prepare();
    // Its start is a few awaits away: wait for it without blocking.
    const deadline = Date.now() + 30_000;
    while (child.pid() === null) {
      if (Date.now() > deadline) throw new Error('the child did not start');
      await new Promise((r) => setTimeout(r, 10));
    }
    const pid = child.pid() ?? 0;
    blockUntil(() => zombie(pid));
    // Three calls in one go, each a send to the dead child's pipe before its exit is seen.
    const calls = [child.call('stopContainer', 'a', 1000), child.call('removeContainer', 'b'), child.call('removeNetwork', 'c')];
    for (const call of calls) await assert.rejects(call, retryable);
    await child.release();
  });
});
