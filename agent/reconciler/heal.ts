// Drift against the commit already applied: planned on every poll, put back (selfHeal) or only
// reported once while it lasts (selfHeal off, or suspended). Also the one way outcomes are built.

import type { ResourceChange } from '../contracts/changes.js';
import { toMoorError, type MoorError } from '../contracts/errors.js';
import type { EventSink } from '../contracts/events.js';
import type { SyncOutcome, SyncResult } from '../contracts/sync-outcome.js';
import type { Logger } from '../logger.js';
import type { ApplyTrigger } from '../store/store.js';
import { converge, planOnce, type ConvergeDeps } from './converge.js';
import type { Snapshots } from './snapshots.js';
import type { Suspension } from './suspension.js';

export interface HealDeps extends ConvergeDeps {
  events: EventSink;
  logger: Logger;
  snapshots: Snapshots;
  suspension: Suspension;
}

export interface HealOptions {
  host: string;
  prune: boolean;
  selfHeal: boolean;
  concurrency: number;
  signal: AbortSignal;
}

/** A sync's outcome; `retry` defaults to what the error's handling says. */
export function outcomeOf(result: SyncResult, commit: string | null, changes: ResourceChange[], error: MoorError | null, retry?: boolean): SyncOutcome {
  const retried = error !== null && (error.handling === 'retry' || error.handling === 'bug');
  return { result, commit, changes, error: error ? error.toJSON() : null, retry: retry ?? retried };
}

/** Puts back drift against the applied commit (or only reports it). */
export async function heal(deps: HealDeps, options: HealOptions, trigger: ApplyTrigger): Promise<SyncOutcome> {
  const { store, logger } = deps;
  const applied = store.get('applied');
  if (!applied) return outcomeOf('unchanged', null, [], null);
  const verdict = store.revision(applied);
  if (verdict?.verdict === 'failed' || verdict?.verdict === 'rollback-failed') return { ...outcomeOf(verdict.verdict, applied, [], null), error: verdict.error };
  try {
    const desired = await deps.snapshots.desired(applied);
    const { plan } = await planOnce(deps, desired, { host: options.host, commit: applied, prune: options.prune, pullAlways: false });
    if (plan.steps.length === 0) {
      store.set('drift', []);
      return outcomeOf('unchanged', applied, [], null);
    }
    const suspended = deps.suspension.active();
    const healing = options.selfHeal && !suspended;
    noteDrift(deps, plan.changes, healing);
    if (!healing) {
      logger.warn({ changes: plan.changes.length, suspended }, 'drift detected; not healing');
      return outcomeOf(suspended ? 'suspended' : 'drift-reported', applied, plan.changes, null);
    }
    logger.info({ changes: plan.changes.length }, 'drift detected; putting it back');
    const result = await converge(deps, desired, {
      host: options.host,
      commit: applied,
      trigger: trigger === 'commit' ? 'drift' : trigger,
      prune: options.prune,
      pullAlways: false,
      concurrency: options.concurrency,
      healthGate: false,
      signal: options.signal,
    });
    if (result.error) return outcomeOf('error', applied, result.changes, result.error);
    return outcomeOf('healed', applied, result.changes, null);
  } catch (err) {
    const error = toMoorError(err);
    logger.warn({ err: error.toJSON() }, 'cannot check for drift');
    return outcomeOf('error', applied, [], error);
  }
}

/** Records and reports the drift: every time it is healed, once while it lasts when it is not. */
function noteDrift(deps: HealDeps, changes: ResourceChange[], healing: boolean): void {
  const { store, events } = deps;
  const seen = JSON.stringify(store.get('drift') ?? []) === JSON.stringify(changes);
  if (healing || !seen) {
    for (const c of changes) store.recordDrift(`${c.kind}/${c.name}`, c.why, healing ? 'healed' : 'reported');
    events.emit({ type: 'drift.detected', changes, healed: healing });
  }
  store.set('drift', healing ? [] : changes);
}
