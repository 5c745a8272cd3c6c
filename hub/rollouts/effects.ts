// Carries out what a pass of the planner decided: publish a wave (one push of all its host
// branches, repo.ts), push reverts, send alerts; then records the outcome on the rollout.

import type pino from 'pino';
import type { AlertSink } from '../alerts.js';
import type { Entry, RolloutSaver } from './entry.js';
import { published, publishFailed, revertPublished, type BranchTip, type Effect } from './planner.js';
import type { PreparedCommit, RolloutRepo } from './repo.js';

export class RolloutUnavailableError extends Error {
  readonly code = 'ROLLOUT_UNAVAILABLE';
  constructor(message: string, readonly status: 404 | 409) {
    super(message);
    this.name = 'RolloutUnavailableError';
  }
}

export interface EffectDeps {
  /** Asks a host to sync now (the hub's agent endpoint). */
  requestSync: (host: string, reason: string) => void;
  repo: RolloutRepo | null;
  alerts: AlertSink;
  now: () => Date;
}

export class EffectRunner {
  constructor(
    private readonly deps: EffectDeps,
    private readonly saver: RolloutSaver,
    private readonly log: pino.Logger,
    /** Asks for another pass soon (a published wave may already be healthy, a retry is due). */
    private readonly again: (e: Entry) => void,
  ) {}

  async apply(e: Entry, effects: Effect[]): Promise<void> {
    for (const effect of effects) {
      if (effect.kind === 'alert') {
        this.deps.alerts.send({ kind: `rollout.${effect.event}`, host: '', at: this.deps.now().toISOString(), text: effect.text, data: { rollout: e.r.id, status: e.r.status } });
      } else if (effect.kind === 'publish') {
        await this.publish(e, effect.hosts);
      } else {
        await this.revert(e, effect.hosts);
      }
    }
  }

  async prepared(e: Entry): Promise<PreparedCommit> {
    const repo = this.deps.repo;
    if (!repo) throw new RolloutUnavailableError('no fleet repo configured', 409);
    e.prepared ??= await repo.prepare(e.r.spec.fleetCommit, e.r.spec.selector);
    return e.prepared;
  }

  /** The tips of the hosts' branches (after a restart, recovery.ts). */
  async tips(e: Entry, hosts: string[]): Promise<Map<string, BranchTip>> {
    return this.repo().tips(await this.prepared(e), hosts);
  }

  private async publish(e: Entry, hosts: string[]): Promise<void> {
    const now = () => this.deps.now().getTime();
    try {
      const results = await this.repo().publish(await this.prepared(e), hosts);
      // Agents first, the store after: a hub killed in between finds the pushes on restart (recovery.ts).
      for (const r of results) if (r.commit !== null && (r.status === 'published' || r.status === 'created' || r.status === 'unchanged')) this.deps.requestSync(r.host, `rollout ${e.r.id}`);
      this.saver.commit(e, published(e.r, results, now()));
      this.log.info({ rollout: e.r.id, wave: e.r.wave + 1, hosts: hosts.length }, 'published');
    } catch (err) {
      this.log.error({ err, rollout: e.r.id }, 'cannot publish a wave; retrying');
      this.saver.commit(e, publishFailed(e.r, hosts, now(), err instanceof Error ? err.message : String(err)));
      e.retryAt = now() + 5000;
    }
    e.dirty = true;
    this.again(e);
  }

  private async revert(e: Entry, hosts: string[]): Promise<void> {
    const set = new Set(hosts);
    const targets = e.r.hosts.filter((h) => set.has(h.host) && h.previous !== null).map((h) => ({ host: h.host, branch: h.branch, previous: h.previous ?? '' }));
    let results: { host: string; commit: string | null; detail: string }[];
    try {
      results = await this.repo().revert(targets, `rollout ${e.r.id} aborted with --revert`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      results = targets.map((t) => ({ host: t.host, commit: null, detail: message }));
    }
    this.saver.commit(e, revertPublished(e.r, results, this.deps.now().getTime()));
    for (const r of results) if (r.commit !== null) this.deps.requestSync(r.host, `rollout ${e.r.id} revert`);
    this.again(e);
  }

  private repo(): RolloutRepo {
    if (!this.deps.repo) throw new RolloutUnavailableError('no fleet repo configured', 409);
    return this.deps.repo;
  }
}
