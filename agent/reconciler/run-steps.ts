// Runs a plan's steps as a DAG: each step once its `after` steps succeeded, at most `concurrency`
// at a time. On the first failure, or when asked to stop, nothing new starts; running steps finish.

import { toMoorError, type MoorError } from '../contracts/errors.js';
import type { Step } from '../planner/steps.js';

export interface StepOutcome {
  step: Step;
  startedAt: Date;
  finishedAt: Date;
  error: MoorError | null;
}

export interface RunResult {
  outcomes: StepOutcome[];
  /** The first failure, if any. */
  error: MoorError | null;
  /** Steps never started because of a failure or a stop request. */
  skipped: Step[];
  stopped: boolean;
}

export interface RunDeps {
  execute: (step: Step) => Promise<void>;
  now: () => Date;
  /** Called after each step, e.g. to record it in the store. */
  onOutcome?: (outcome: StepOutcome) => void;
}

export async function runSteps(
  steps: readonly Step[],
  deps: RunDeps,
  options: { concurrency: number; signal?: AbortSignal },
): Promise<RunResult> {
  const pending = new Map(steps.map((s) => [s.id, s]));
  const done = new Set<string>();
  const outcomes: StepOutcome[] = [];
  const running = new Set<Promise<void>>();
  let error: MoorError | null = null;
  const limit = Math.max(1, options.concurrency);

  const known = new Set(steps.map((s) => s.id));
  for (const s of steps) {
    const missing = s.after.find((id) => !known.has(id));
    if (missing) throw new Error(`step ${s.id} waits for unknown step ${missing}`);
  }

  const startReady = (): void => {
    for (const step of [...pending.values()]) {
      if (running.size >= limit || error || options.signal?.aborted) return;
      if (!step.after.every((id) => done.has(id))) continue;
      pending.delete(step.id);
      const startedAt = deps.now();
      const p: Promise<void> = deps
        .execute(step)
        .then(
          () => {
            done.add(step.id);
            return null;
          },
          (err: unknown) => toMoorError(err, 'STEP_FAILED'),
        )
        .then((stepError) => {
          const outcome: StepOutcome = { step, startedAt, finishedAt: deps.now(), error: stepError };
          outcomes.push(outcome);
          deps.onOutcome?.(outcome);
          if (stepError && !error) error = stepError;
          running.delete(p);
        });
      running.add(p);
    }
  };

  startReady();
  while (running.size > 0) {
    await Promise.race(running);
    startReady();
  }
  if (!error && !options.signal?.aborted && pending.size > 0) {
    throw new Error(`plan has a dependency cycle among: ${[...pending.keys()].join(', ')}`);
  }
  return { outcomes, error, skipped: [...pending.values()], stopped: options.signal?.aborted === true };
}
