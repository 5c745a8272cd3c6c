// The sync loop's one run: ask git for the head, judge a new commit (fetch, validate, apply,
// health-gate, roll back), or put back drift against the commit already applied. One run at a time.

import type { DesiredState } from '../desired/model.js';
import { MoorError, toMoorError, type ErrorJSON } from '../contracts/errors.js';
import type { ResourceChange } from '../planner/steps.js';
import { syncDiff, type EventSink } from '../contracts/events.js';
import type { ConfigSource } from '../source/port.js';
import { FINAL_BAD_VERDICTS, type ApplyTrigger, type Store } from '../store/store.js';
import type { Logger } from '../logger.js';
import { converge, type ConvergeDeps } from './converge.js';
import { Snapshots } from './snapshots.js';
import { Suspension } from './suspension.js';
import { admitCommit, type CommitGate } from './commit-gate.js';
import { deferToWindow } from './window-gate.js';
import { heal, outcomeOf } from './heal.js';
import { isCommitFault, planNow, type PlanNow } from './plan-now.js';

import type { SyncOutcome, SyncResult } from '../contracts/sync-outcome.js';
// Kept for importers written before the contracts folder existed.
export type { SyncOutcome, SyncResult };
export type { PlanNow } from './plan-now.js';

export interface ReconcilerDeps extends ConvergeDeps {
  source: ConfigSource;
  events: EventSink;
  logger: Logger;
  loadDesired: (dir: string) => Promise<DesiredState>;
  /** Whether a desired state read back from its stored file serves as it is (snapshots.ts). */
  useStored?: (state: DesiredState) => Promise<boolean>;
  /** Signature and rewind checks of a new head; absent: every commit may be applied. */
  checkCommit?: CommitGate;
}

export interface ReconcilerOptions {
  host: string;
  snapshotsDir: string;
  /** The key stored desired states are valid under (desired/state-key.ts), asked once on first use. */
  desiredKey: () => string;
  /** agent.yaml's secret values: hidden in every plan, never stored with a desired state. */
  agentSecrets?: readonly string[];
  prune: boolean;
  selfHeal: boolean;
  concurrency: number;
}

export class Reconciler {
  readonly snapshots: Snapshots;
  readonly suspension: Suspension;
  private running: Promise<SyncOutcome> | null = null;
  private readonly stop = new AbortController();
  private syncing = false;

  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly options: ReconcilerOptions,
  ) {
    this.snapshots = new Snapshots(deps, { dir: options.snapshotsDir, desiredKey: options.desiredKey, agentSecrets: options.agentSecrets ?? [] });
    this.suspension = new Suspension({ store: deps.store, events: deps.events, now: deps.now });
  }

  get busy(): boolean {
    return this.syncing;
  }

  /** Runs one sync; a call while one runs waits for it and then runs another. */
  async sync(trigger: ApplyTrigger): Promise<SyncOutcome> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.syncLocked(trigger).catch((err: unknown) => {
      const error = toMoorError(err);
      if (error.handling !== 'bug') throw err;
      return this.outcome('error', null, [], error);
    }).then((outcome) => {
      this.deps.store.set('lastSync', { at: this.deps.now().toISOString(), ...outcome, changes: outcome.changes.length });
      if (outcome.error?.handling === 'bug') this.noteBug(outcome.commit, outcome.error);
      return outcome;
    }).finally(() => {
      this.running = null;
      this.syncing = false;
    });
    this.syncing = true;
    this.running = run;
    return run;
  }

  /** What a sync would do now, without doing it (plan-now.ts). */
  planNow(): Promise<PlanNow> {
    return planNow({ ...this.deps, snapshots: this.snapshots }, this.options);
  }

  /** Stops after the steps now running; resolves when the current sync is done. */
  async drain(): Promise<void> {
    this.stop.abort();
    await this.running?.catch(() => undefined);
  }

  private async syncLocked(trigger: ApplyTrigger): Promise<SyncOutcome> {
    const { store, logger } = this.deps;
    let head: string;
    try {
      head = await this.deps.source.head();
      this.noteSource(head, null);
    } catch (err) {
      const error = toMoorError(err, 'SOURCE_FAILED');
      this.noteSource(null, error);
      logger.warn({ err: error.toJSON() }, 'cannot reach the config source; keeping the current state');
      const healed = await this.heal(trigger);
      return { ...healed, result: 'error', error: error.toJSON(), retry: true };
    }

    const applied = store.get('applied');
    if (head === applied) return this.heal(trigger);

    const known = store.revision(head);
    if (known && FINAL_BAD_VERDICTS.includes(known.verdict)) {
      const healed = await this.heal(trigger);
      if (healed.result === 'error') return healed;
      const result: SyncResult =
        known.verdict === 'rolled-back' || known.verdict === 'rollback-failed' || known.verdict === 'failed' || known.verdict === 'refused' ? known.verdict : 'invalid';
      return { ...healed, result, commit: head, error: known.error, retry: false };
    }
    if (store.get('pending')?.commit !== head) store.delete('pending');

    if (this.suspension.active()) {
      const healed = await this.heal(trigger);
      return { ...healed, result: 'suspended', commit: head };
    }

    try {
      const snap = await this.snapshots.ensure(head);
      if (snap.fetched) store.recordRevision(snap.fetched);
      // Signature and rewind first: a refused commit is not even parsed.
      const refused = await admitCommit(this.deps, head, applied);
      if (refused) {
        const healed = await this.heal(trigger);
        return { ...healed, result: 'refused', commit: head, error: refused.toJSON(), retry: false };
      }
    } catch (err) {
      const error = toMoorError(err, 'SOURCE_FAILED');
      if (error.handling === 'commit') return this.markInvalid(head, error, trigger);
      logger.warn({ commit: head, err: error.toJSON() }, 'cannot fetch the new commit; will retry');
      return this.outcome('error', head, [], error);
    }
    let desired: DesiredState;
    try {
      desired = await this.snapshots.desired(head);
    } catch (err) {
      const error = toMoorError(err, 'LOAD_FAILED');
      // A bug met while reading a commit is that commit's problem: retrying it would meet it again.
      if (isCommitFault(err, error)) return this.markInvalid(head, error, trigger);
      logger.warn({ commit: head, err: error.toJSON() }, 'cannot read the new commit; will retry');
      return this.outcome('error', head, [], error);
    }
    const deferred = await deferToWindow(this.deps, { head, desired, host: this.options.host, prune: this.options.prune, heal: () => this.heal('drift') });
    if (deferred) return deferred;
    store.delete('pending');
    return this.applyCommit(head, desired, trigger === 'drift' ? 'commit' : trigger);
  }

  private async markInvalid(head: string, error: MoorError, trigger: ApplyTrigger): Promise<SyncOutcome> {
    const { store, logger } = this.deps;
    store.setVerdict(head, 'invalid', { error: error.toJSON() });
    this.deps.events.emit({ type: 'commit.invalid', commit: head, error: error.toJSON() });
    if (error.handling === 'bug') logger.error({ commit: head, err: error.toJSON() }, 'BUG in moor while reading the commit; the commit is marked invalid');
    else logger.error({ commit: head, err: error.toJSON() }, 'commit is invalid; nothing of it is applied');
    const healed = await this.heal(trigger);
    return { ...healed, result: 'invalid', commit: head, error: error.toJSON(), retry: false };
  }

  private async applyCommit(commit: string, desired: DesiredState, trigger: ApplyTrigger): Promise<SyncOutcome> {
    const { store, events, logger, now } = this.deps;
    const started = now().getTime();
    events.emit({ type: 'sync.started', commit, trigger });
    logger.info({ commit, trigger }, 'applying commit');
    const result = await converge(this.deps, desired, {
      host: this.options.host,
      commit,
      trigger,
      prune: this.options.prune,
      pullAlways: true,
      concurrency: this.options.concurrency,
      healthGate: true,
      signal: this.stop.signal,
    });
    if (result.stopped) return this.outcome('error', commit, result.changes, null, true);
    if (!result.error) {
      store.transaction(() => {
        store.setVerdict(commit, 'applied');
        store.set('applied', commit);
        store.set('lastGood', commit);
      });
      events.emit({ type: 'sync.succeeded', commit, changes: result.changes.length, durationMs: now().getTime() - started, diff: syncDiff(result.changes) });
      logger.info({ commit, changes: result.changes.length }, 'converged');
      await this.snapshots.prune([commit]);
      return this.outcome('converged', commit, result.changes, null);
    }
    return this.handleFailure(commit, desired, result.changes, result.error);
  }

  private async handleFailure(commit: string, desired: DesiredState, changes: ResourceChange[], error: MoorError): Promise<SyncOutcome> {
    const { store, events, logger } = this.deps;
    if (error.handling !== 'commit') {
      logger.warn({ commit, err: error.toJSON() }, 'apply failed for a reason outside the commit; will retry');
      return this.outcome('error', commit, changes, error);
    }
    store.setVerdict(commit, 'failed', { error: error.toJSON() });
    events.emit({ type: 'sync.failed', commit, error: error.toJSON() });
    const lastGood = store.get('lastGood');
    if (!desired.rollout.rollback || !lastGood || lastGood === commit) {
      // Left in place for inspection: self-heal must not undo it until the branch moves.
      store.set('applied', commit);
      logger.error({ commit, err: error.toJSON() }, 'apply failed; left in place');
      return this.outcome('failed', commit, changes, error);
    }
    logger.error({ commit, to: lastGood, err: error.toJSON() }, 'apply failed; rolling back');
    const back = await this.rollBack(lastGood);
    if (back.stopped) return this.outcome('error', commit, changes, null, true);
    if (back.error) {
      const failure = rollbackFailedError(commit, lastGood, error, back.error);
      // The host runs neither commit fully: `applied` stays off the last good one, and self-heal
      // leaves the host as it is until the branch moves.
      store.transaction(() => {
        store.setVerdict(commit, 'rollback-failed', { error: failure.toJSON() });
        store.set('applied', commit);
      });
      events.emit({ type: 'sync.rollbackFailed', commit, to: lastGood, error: error.toJSON(), rollbackError: back.error.toJSON() });
      logger.error({ commit, to: lastGood, err: error.toJSON(), rollbackErr: back.error.toJSON() }, 'apply failed, and the rollback failed too; host left as it is');
      return this.outcome('rollback-failed', commit, changes, failure, false);
    }
    store.setVerdict(commit, 'rolled-back', { error: error.toJSON() });
    store.set('applied', lastGood);
    events.emit({ type: 'sync.rolledBack', commit, to: lastGood, error: error.toJSON() });
    return this.outcome('rolled-back', commit, changes, error);
  }

  /** Puts the last good commit back, health gate included; its error when it could not. */
  private async rollBack(lastGood: string): Promise<{ error: MoorError | null; stopped: boolean }> {
    let previous: DesiredState;
    try {
      previous = await this.snapshots.desired(lastGood);
    } catch (err) {
      return { error: toMoorError(err, 'ROLLBACK_FAILED'), stopped: false };
    }
    return converge(this.deps, previous, {
      host: this.options.host,
      commit: lastGood,
      trigger: 'rollback',
      prune: this.options.prune,
      pullAlways: false,
      concurrency: this.options.concurrency,
      healthGate: true,
      signal: this.stop.signal,
    });
  }

  /** Puts back drift against the applied commit (or only reports it): heal.ts. */
  private heal(trigger: ApplyTrigger): Promise<SyncOutcome> {
    const { snapshots, suspension } = this;
    return heal({ ...this.deps, snapshots, suspension }, { ...this.options, signal: this.stop.signal }, trigger);
  }

  private outcome(result: SyncResult, commit: string | null, changes: ResourceChange[], error: MoorError | null, retry?: boolean): SyncOutcome {
    return outcomeOf(result, commit, changes, error, retry);
  }

  /** A bug in moor: said loudly, counted for status, sent upstream. */
  private noteBug(commit: string | null, error: ErrorJSON): void {
    const { store, now, logger, events } = this.deps;
    const count = (store.get('bugs')?.count ?? 0) + 1;
    store.set('bugs', { count, last: { at: now().toISOString(), commit, error } });
    logger.error({ commit, err: error, bugs: count }, 'BUG in moor: an unexpected exception; backing off (please report it)');
    events.emit({ type: 'agent.bug', commit, error });
  }

  private noteSource(head: string | null, error: MoorError | null): void {
    const { store, events, now } = this.deps;
    const previous = store.get('sourceStatus');
    store.set('sourceStatus', { at: now().toISOString(), ok: error === null, head, error: error ? error.toJSON() : null });
    if (error && previous?.ok !== false) events.emit({ type: 'source.unreachable', error: error.toJSON() });
    if (!error && head && previous?.ok === false) events.emit({ type: 'source.recovered', head });
  }
}

function rollbackFailedError(commit: string, to: string, error: MoorError, rollback: MoorError): MoorError {
  return new MoorError(
    'ROLLBACK_FAILED',
    `failed, rollback failed: ${commit.slice(0, 12)}: ${error.message}; putting back ${to.slice(0, 12)} failed: ${rollback.message}`,
    { handling: 'commit', data: { to, error: error.toJSON(), rollbackError: rollback.toJSON() } },
  );
}
