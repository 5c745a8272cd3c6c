// runSteps runs a plan's DAG: dependencies first, at most `concurrency` at once, nothing new after
// the first failure or a stop request, and every outcome reported.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MoorError } from '../../../agent/contracts/errors.js';
import type { Step } from '../../../agent/planner/steps.js';
import { runSteps } from '../../../agent/reconciler/run-steps.js';

function step(id: string, after: string[] = []): Step {
  return { kind: 'startContainer', id, after, resource: `container/${id}`, name: id };
}

/** An executor that lets the test decide when each step ends, and throws on steps it was not told of. */
function gatedExecutor(known: string[]) {
  const started: string[] = [];
  const gates = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  let running = 0;
  let peak = 0;
  const execute = (s: Step): Promise<void> => {
    if (!known.includes(s.id)) return Promise.reject(new Error(`unexpected step ${s.id}`));
    started.push(s.id);
    running++;
    peak = Math.max(peak, running);
    return new Promise<void>((resolve, reject) => gates.set(s.id, { resolve, reject })).finally(() => running--);
  };
  const settle = async (id: string, error?: Error): Promise<void> => {
    for (let i = 0; i < 50 && !gates.has(id); i++) await new Promise((r) => setImmediate(r));
    const g = gates.get(id);
    assert.ok(g, `step ${id} was never started`);
    if (error) g.reject(error);
    else g.resolve();
  };
  return { execute, settle, started, peak: () => peak };
}

const now = (): Date => new Date('2026-12-01T00:00:00Z');

describe('runSteps', () => {
  it('starts a step only after the steps it comes after succeeded', async () => {
    const ex = gatedExecutor(['a', 'b', 'c']);
    const run = runSteps([step('a'), step('b', ['a']), step('c', ['b'])], { execute: ex.execute, now }, { concurrency: 4 });
    await ex.settle('a');
    await ex.settle('b');
    await ex.settle('c');
    const result = await run;
    assert.deepEqual(ex.started, ['a', 'b', 'c']);
    assert.equal(result.error, null);
    assert.equal(result.outcomes.length, 3);
  });

  it('runs independent steps at most `concurrency` at a time', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const ex = gatedExecutor(ids);
    const run = runSteps(ids.map((id) => step(id)), { execute: ex.execute, now }, { concurrency: 2 });
    for (const id of ids) await ex.settle(id);
    await run;
    assert.equal(ex.peak(), 2);
  });

  it('starts nothing new after the first failure, lets running steps finish, and names the skipped ones', async () => {
    const ex = gatedExecutor(['a', 'b', 'c']);
    const outcomes: string[] = [];
    const run = runSteps([step('a'), step('b'), step('c', ['a'])], { execute: ex.execute, now, onOutcome: (o) => outcomes.push(`${o.step.id}:${o.error ? 'failed' : 'ok'}`) }, { concurrency: 2 });
    await ex.settle('a', new MoorError('BOOM', 'a failed', { handling: 'commit' }));
    await ex.settle('b');
    const result = await run;
    assert.equal(result.error?.code, 'BOOM');
    assert.deepEqual(result.skipped.map((s) => s.id), ['c']);
    assert.deepEqual(outcomes.sort(), ['a:failed', 'b:ok']);
  });

  it('turns a thrown TypeError into a bug, not a retry', async () => {
    const result = await runSteps([step('a')], { execute: () => Promise.reject(new TypeError('x is undefined')), now }, { concurrency: 1 });
    assert.equal(result.error?.handling, 'bug');
  });

  it('stops starting steps when asked to stop', async () => {
    const ex = gatedExecutor(['a', 'b']);
    const stop = new AbortController();
    const run = runSteps([step('a'), step('b', ['a'])], { execute: ex.execute, now }, { concurrency: 1, signal: stop.signal });
    stop.abort();
    await ex.settle('a');
    const result = await run;
    assert.equal(result.stopped, true);
    assert.deepEqual(ex.started, ['a']);
  });
});
