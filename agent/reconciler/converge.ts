// One apply: observe, plan, run the steps, and plan again until nothing is left (a few rounds at
// most), recording every step in the store. Then the health gate over what was touched.

import type { ContainerSpec, DesiredState } from '../desired/model.js';
import { toMoorError, type MoorError } from '../errors.js';
import { observe, type ObserveDeps } from '../observe/observe.js';
import type { ObservedState } from '../observe/model.js';
import type { PlanContext } from '../planner/context.js';
import { plan } from '../planner/plan.js';
import type { Plan, ResourceChange } from '../planner/steps.js';
import type { ApplyTrigger, Store } from '../store/store.js';
import { createStepExecutor, waitHealthy, type StepExecutorDeps } from './execute-step.js';
import { runSteps } from './run-steps.js';
import { NEXT_SUFFIX } from '../planner/containers.js';

export interface ConvergeDeps extends StepExecutorDeps, ObserveDeps {
  store: Store;
}

export interface ConvergeOptions {
  host: string;
  commit: string;
  trigger: ApplyTrigger;
  prune: boolean;
  pullAlways: boolean;
  concurrency: number;
  /** Skip the health gate (drift repairs are checked by the next poll instead). */
  healthGate: boolean;
  signal?: AbortSignal;
}

export interface ConvergeResult {
  applyId: number | null;
  changes: ResourceChange[];
  error: MoorError | null;
  /** True when SIGTERM (or another stop request) interrupted the apply. */
  stopped: boolean;
}

const MAX_ROUNDS = 3;

export async function planOnce(deps: ConvergeDeps, desired: DesiredState, options: Omit<ConvergeOptions, 'trigger' | 'concurrency' | 'healthGate'>): Promise<{ plan: Plan; observed: ObservedState }> {
  const observed = await observe(deps, desired, { host: options.host });
  return { plan: plan(desired, observed, planContext(deps.store, options)), observed };
}

export async function converge(deps: ConvergeDeps, desired: DesiredState, options: ConvergeOptions): Promise<ConvergeResult> {
  const changes: ResourceChange[] = [];
  const touched = new Set<string>();
  let applyId: number | null = null;
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { plan: p } = await planOnce(deps, desired, options);
      if (p.steps.length === 0) break;
      changes.push(...p.changes);
      if (applyId === null) applyId = deps.store.startApply(options.commit, options.trigger, p.changes);
      const id = applyId;
      const execute = createStepExecutor(deps, {
        host: options.host,
        revision: options.commit,
        healthTimeoutMs: desired.rollout.healthTimeoutMs,
      });
      const result = await runSteps(p.steps, {
        execute,
        now: deps.now,
        onOutcome: (o) => {
          deps.store.recordStep(id, {
            stepId: o.step.id,
            kind: o.step.kind,
            resource: o.step.resource,
            startedAt: o.startedAt.toISOString(),
            finishedAt: o.finishedAt.toISOString(),
            result: o.error ? 'failed' : 'ok',
            error: o.error ? o.error.toJSON() : null,
          });
          if (o.error) return;
          if (o.step.kind === 'createContainer') rememberSpec(deps.store, o.step.spec, options.commit);
          if (o.step.kind === 'createContainer' || o.step.kind === 'startContainer') {
            touched.add(o.step.resource.slice('container/'.length));
          }
        },
      }, { concurrency: options.concurrency, signal: options.signal });
      if (result.stopped) {
        deps.store.finishApply(id, 'interrupted');
        return { applyId, changes, error: null, stopped: true };
      }
      if (result.error) {
        deps.store.finishApply(id, 'failed', result.error.toJSON());
        return { applyId, changes, error: result.error, stopped: false };
      }
    }
    if (options.healthGate && touched.size > 0) {
      await Promise.all([...touched].map((name) => waitHealthy(deps, name, desired.rollout.healthTimeoutMs)));
    }
  } catch (err) {
    const error = toMoorError(err);
    if (applyId !== null) deps.store.finishApply(applyId, 'failed', error.toJSON());
    return { applyId, changes, error, stopped: false };
  }
  for (const spec of desired.containers) rememberSpec(deps.store, spec, options.commit);
  if (applyId !== null) deps.store.finishApply(applyId, 'succeeded');
  return { applyId, changes, error: null, stopped: false };
}

function planContext(store: Store, options: Pick<ConvergeOptions, 'host' | 'commit' | 'prune' | 'pullAlways'>): PlanContext {
  const appliedSpecs: Record<string, ContainerSpec> = {};
  for (const r of store.resources('container')) appliedSpecs[r.name] = r.spec as ContainerSpec;
  return { host: options.host, revision: options.commit, prune: options.prune, pullAlways: options.pullAlways, appliedSpecs };
}

function rememberSpec(store: Store, spec: ContainerSpec, commit: string): void {
  const name = spec.name.endsWith(NEXT_SUFFIX) ? spec.name.slice(0, -NEXT_SUFFIX.length) : spec.name;
  store.putResource({ kind: 'container', name, hash: spec.hash, spec: { ...spec, name }, commit });
}
