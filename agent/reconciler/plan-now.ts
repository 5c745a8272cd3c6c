// `moor plan` through the agent: the head commit (fetched and validated, or the applied one when
// git is unreachable) planned against what runs, with nothing applied.

import { InvalidConfigError, toMoorError, type ErrorJSON, type MoorError } from '../contracts/errors.js';
import { redactPlan } from '../planner/diff.js';
import type { Plan } from '../planner/steps.js';
import type { DesiredState } from '../desired/model.js';
import type { ConfigSource } from '../source/port.js';
import { planOnce, type ConvergeDeps } from './converge.js';
import type { Snapshots } from './snapshots.js';

/** What `moor plan` shows: the head planned against what runs, or why it cannot be. */
export interface PlanNow {
  commit: string | null;
  plan: Plan;
  /** The head commit is invalid (nothing of it would be applied); the plan is then empty. */
  invalid: ErrorJSON | null;
  /** git could not be asked; the plan is then of the applied commit. */
  sourceError: ErrorJSON | null;
}

const EMPTY_PLAN: Plan = { steps: [], changes: [] };

export interface PlanNowDeps extends ConvergeDeps {
  source: ConfigSource;
  snapshots: Snapshots;
}

/**
 * What a sync would do now, without doing it: the head commit (fetched and validated, or the
 * applied one when git is unreachable) planned against what runs. Says why when git could not
 * be asked (`sourceError`) or the head is invalid (`invalid`, with an empty plan).
 */
export async function planNow(deps: PlanNowDeps, options: { host: string; prune: boolean }): Promise<PlanNow> {
  const { store, snapshots } = deps;
  const applied = store.get('applied');
  let commit = applied;
  let sourceError: ErrorJSON | null = null;
  try {
    commit = await deps.source.head();
    const snap = await snapshots.ensure(commit);
    if (snap.fetched) store.recordRevision(snap.fetched);
  } catch (err) {
    if (!applied) throw err;
    sourceError = toMoorError(err, 'SOURCE_FAILED').toJSON();
    commit = applied;
  }
  if (!commit) return { commit: null, plan: EMPTY_PLAN, invalid: null, sourceError };
  let desired: DesiredState;
  try {
    desired = await snapshots.desired(commit);
  } catch (err) {
    const error = toMoorError(err);
    if (!isCommitFault(err, error)) throw error;
    return { commit, plan: EMPTY_PLAN, invalid: error.toJSON(), sourceError };
  }
  const { plan } = await planOnce(deps, desired, {
    host: options.host,
    commit,
    prune: options.prune,
    pullAlways: commit !== applied,
  });
  return { commit, plan: redactPlan(plan, desired.secretValues), invalid: null, sourceError };
}

/** The commit is at fault (invalid, refused) or moor met a bug reading it: never retry it. */
export function isCommitFault(err: unknown, error: MoorError): boolean {
  return err instanceof InvalidConfigError || error.handling === 'commit' || error.handling === 'bug';
}
