// One apply: observe, plan, run the steps, and plan again until nothing is left (a few rounds at
// most), recording every step in the store. Then the health gate over what was touched.

import type { ContainerSpec, DesiredState, FileSpec, UnitSpec } from '../desired/model.js';
import { MoorError, toMoorError } from '../contracts/errors.js';
import { observe, type ObserveDeps } from '../observe/observe.js';
import type { ObservedState } from '../contracts/observed.js';
import type { PlanContext } from '../planner/context.js';
import { plan } from '../planner/plan.js';
import { REDACTED, redactChanges } from '../planner/diff.js';
import type { Plan, ResourceChange } from '../planner/steps.js';
import type { ApplyTrigger, Store } from '../store/store.js';
import { asksReplan, createStepExecutor, waitHealthy, type StepExecutorDeps } from './execute-step.js';
import { runSteps } from './run-steps.js';
import { NEXT_SUFFIX } from '../planner/containers.js';
import type { Step } from '../planner/steps.js';
import { waitUnitsHealthy } from './unit-health.js';

export interface ConvergeDeps extends StepExecutorDeps, ObserveDeps {
  store: Store;
  /** policy.units.install, for the planner; absent: own. */
  unitInstall?: PlanContext['unitInstall'];
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
  const ctx = { ...planContext(deps.store, options), unitInstall: deps.unitInstall };
  // Units and files declared now, and those moor installed before (to prune them).
  const unitNames = [...new Set([...desired.units.map((u) => u.name), ...Object.keys(ctx.appliedUnits ?? {})])].sort();
  const filePaths = [...new Set([...desired.files.map((f) => f.path), ...Object.keys(ctx.appliedFiles ?? {})])].sort();
  const observed = await observe(deps, desired, { host: options.host, unitNames, filePaths });
  const p = plan(desired, observed, ctx);
  // Changes are stored, sent upstream and printed: no secret value leaves in them.
  return { plan: { steps: p.steps, changes: redactChanges(p.changes, desired.secretValues) }, observed };
}

export async function converge(deps: ConvergeDeps, desired: DesiredState, options: ConvergeOptions): Promise<ConvergeResult> {
  const changes: ResourceChange[] = [];
  const touched = new Set<string>();
  const touchedUnits = new Set<string>();
  let applyId: number | null = null;
  try {
    let settled = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { plan: p } = await planOnce(deps, desired, options);
      if (p.steps.length === 0) {
        settled = true;
        break;
      }
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
          recordHostStep(deps.store, o.step, options.commit);
          if (o.step.kind === 'startUnit' || o.step.kind === 'restartUnit' || o.step.kind === 'reloadUnit') touchedUnits.add(o.step.name);
          if (o.step.kind === 'createContainer' || o.step.kind === 'startContainer') {
            touched.add(o.step.resource.slice('container/'.length));
          }
        },
      }, { concurrency: options.concurrency, signal: options.signal });
      if (result.stopped) {
        deps.store.finishApply(id, 'interrupted');
        return { applyId, changes, error: null, stopped: true };
      }
      if (result.error && asksReplan(result.error) && round < MAX_ROUNDS - 1) continue;
      if (result.error) {
        deps.store.finishApply(id, 'failed', result.error.toJSON());
        return { applyId, changes, error: result.error, stopped: false };
      }
    }
    if (options.healthGate && touched.size > 0) {
      await Promise.all([...touched].map((name) => waitHealthy(deps, name, desired.rollout.healthTimeoutMs)));
    }
    if (options.healthGate && touchedUnits.size > 0 && deps.systemd) {
      await waitUnitsHealthy({ systemd: deps.systemd, now: deps.now, sleep: deps.sleep }, [...touchedUnits].sort(), desired.rollout.healthTimeoutMs);
    }
    // After the gate: a container that exits at once is the gate's finding, with its evidence.
    // Without a gate (drift repair) such a container is left to the next poll.
    if (!settled) await checkSettled(deps, desired, options, options.healthGate ? new Set() : touched);
  } catch (err) {
    const error = toMoorError(err);
    if (applyId !== null) deps.store.finishApply(applyId, 'failed', error.toJSON());
    return { applyId, changes, error, stopped: false };
  }
  for (const spec of desired.containers) rememberSpec(deps.store, spec, options.commit);
  rememberHostState(deps.store, desired, options.commit);
  if (applyId !== null) deps.store.finishApply(applyId, 'succeeded');
  return { applyId, changes, error: null, stopped: false };
}

/** After the last round, the plan must be empty: steps still left mean the apply did not stick. */
async function checkSettled(deps: ConvergeDeps, desired: DesiredState, options: ConvergeOptions, started: ReadonlySet<string>): Promise<void> {
  const { plan: left } = await planOnce(deps, desired, options);
  const unexplained = left.changes.filter((c) => !(c.kind === 'container' && c.action === 'start' && started.has(c.name)));
  if (unexplained.length === 0) return;
  const what = left.changes.map((c) => `${c.action} ${c.kind}/${c.name} (${c.why})`).join(', ');
  // The planner asking again for what was just done is a bug in moor (or something on the host
  // undoing each step): not a flaky network, and not to be reported as converged.
  throw new MoorError('NOT_CONVERGED', `still ${left.steps.length} step(s) to do after ${MAX_ROUNDS} rounds: ${what}`, {
    handling: 'bug',
    data: { changes: left.changes },
  });
}

function planContext(store: Store, options: Pick<ConvergeOptions, 'host' | 'commit' | 'prune' | 'pullAlways'>): PlanContext {
  const appliedSpecs: Record<string, ContainerSpec> = {};
  for (const r of store.resources('container')) appliedSpecs[r.name] = r.spec as ContainerSpec;
  const appliedUnits: Record<string, UnitSpec> = {};
  for (const r of store.resources('unit')) appliedUnits[r.name] = r.spec as UnitSpec;
  const appliedFiles: Record<string, FileSpec> = {};
  for (const r of store.resources('file')) appliedFiles[r.name] = r.spec as FileSpec;
  return { host: options.host, revision: options.commit, prune: options.prune, pullAlways: options.pullAlways, appliedSpecs, appliedUnits, appliedFiles };
}

/** Records units and files moor installed or removed, as soon as the step succeeded. */
function recordHostStep(store: Store, step: Step, commit: string): void {
  if (step.kind === 'installUnit') store.putResource({ kind: 'unit', name: step.unit.name, hash: step.unit.hash, spec: step.unit, commit });
  if (step.kind === 'removeUnitFile' || step.kind === 'removeDropIns') store.deleteResource('unit', step.name);
  if (step.kind === 'writeFile') store.putResource({ kind: 'file', name: step.file.path, hash: step.file.hash, spec: withoutContent(step.file), commit });
  if (step.kind === 'removeFile') store.deleteResource('file', step.path);
}

/**
 * After a successful apply: every declared unit and file as applied (to tell drift from a new
 * commit later). The record of a host unit (no file from moor) goes once it is no longer declared.
 */
function rememberHostState(store: Store, desired: DesiredState, commit: string): void {
  const units = new Set(desired.units.map((u) => u.name));
  store.transaction(() => {
    for (const unit of desired.units) store.putResource({ kind: 'unit', name: unit.name, hash: unit.hash, spec: unit, commit });
    for (const file of desired.files) store.putResource({ kind: 'file', name: file.path, hash: file.hash, spec: withoutContent(file), commit });
    // A unit moor installed stays recorded until pruned (prune may be off); a host unit's record goes.
    // One with drop-ins from moor stays recorded until they are removed (removeDropIns).
    for (const r of store.resources('unit')) {
      const spec = r.spec as UnitSpec;
      if (!units.has(r.name) && spec.content === null && Object.keys(spec.dropIns).length === 0) store.deleteResource('unit', r.name);
    }
  });
}

/** File records keep the hash, not the content (which may be large). */
function withoutContent(file: FileSpec): FileSpec {
  return { ...file, contentBase64: '' };
}

function rememberSpec(store: Store, spec: ContainerSpec, commit: string): void {
  const name = spec.name.endsWith(NEXT_SUFFIX) ? spec.name.slice(0, -NEXT_SUFFIX.length) : spec.name;
  // Secret env values stay out of the state dir (issue 13); only the (keyed) hash is compared.
  const env = { ...spec.env };
  for (const key of spec.secretEnv) if (key in env) env[key] = REDACTED;
  store.putResource({ kind: 'container', name, hash: spec.hash, spec: { ...spec, name, env }, commit });
}
