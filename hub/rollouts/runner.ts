// Runs the hub's rollouts: feeds the agents' reports and the clock to the pure planner, carries
// out its effects (publish a wave, push a revert, alert), and stores every change. One operation
// at a time per rollout; a hub restart picks the active ones up from the database.

import type pino from 'pino';
import type { AlertSink } from '../alerts.js';
import type { Fleet } from '../fleet.js';
import { assignWaves, countPhases, type HostReport, type Rollout, type RolloutSpec } from './model.js';
import { command, decide, published, publishFailed, revertPublished, type Command, type Effect } from './planner.js';
import type { PreparedCommit, RolloutRepo } from './repo.js';
import { confirmedOutcome, OutcomeBook, outcomeOfEvent, outcomeOfStatus } from './reports.js';
import type { RolloutStorage } from '../storage/port.js';

export class RolloutUnavailableError extends Error {
  readonly code = 'ROLLOUT_UNAVAILABLE';
  constructor(message: string, readonly status: 404 | 409) {
    super(message);
    this.name = 'RolloutUnavailableError';
  }
}

export interface RunnerDeps {
  store: RolloutStorage;
  fleet: Fleet;
  /** Asks a host to sync now (the hub's agent endpoint). */
  requestSync: (host: string, reason: string) => void;
  repo: RolloutRepo | null;
  alerts: AlertSink;
  logger: pino.Logger;
  now: () => Date;
}

export type RolloutInput = Omit<RolloutSpec, 'fleetCommit' | 'fleetSubject' | 'waves' | 'maxFailures' | 'waveTimeoutMs' | 'pauseMs'> &
  Partial<Pick<RolloutSpec, 'waves' | 'maxFailures' | 'waveTimeoutMs' | 'pauseMs'>> & { commit: string | null };

interface Entry {
  r: Rollout;
  hosts: Set<string>;
  prepared: PreparedCommit | null;
  lock: Promise<unknown>;
  busy: boolean;
  dirty: boolean;
  retryAt: number;
  unsaved: boolean;
  savedAt: number;
  /** The stores of this rollout's state, one after the other: a later one never lands first. */
  saving: Promise<void>;
}

const STEP_GAP_MS = 100;
const SAVE_GAP_MS = 1000;

export interface RunnerStats {
  /** ms from the report that made a wave healthy to the push of the next wave. */
  waveAdvanceMs: number[];
}

export class RolloutRunner {
  readonly stats: RunnerStats = { waveAdvanceMs: [] };
  private readonly entries = new Map<number, Entry>();
  private readonly book = new OutcomeBook();
  private readonly log: pino.Logger;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private lastReportAt = 0;
  private lastStepAt = 0;

  constructor(private readonly deps: RunnerDeps, private readonly options: { tickMs: number }) {
    this.log = deps.logger.child({ component: 'rollouts' });
    deps.fleet.onReport((host, report) => this.onReport(host, report));
  }

  async start(): Promise<void> {
    for (const r of await this.deps.store.active()) {
      // A publish cut short by the restart is tried again: publishing is idempotent.
      for (const h of r.hosts) if (h.phase === 'publishing') h.phase = 'pending';
      this.track(r, null);
      for (const h of r.hosts) {
        const status = this.deps.fleet.linkOf(h.host)?.status;
        const o = status ? outcomeOfStatus(status) : null;
        if (o) this.book.record(h.host, o);
      }
      this.log.info({ rollout: r.id, status: r.status, wave: r.wave + 1 }, 'resuming rollout');
    }
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    await Promise.allSettled([...this.entries.values()].map((e) => e.lock));
    for (const e of this.entries.values()) if (e.unsaved) this.save(e);
    await Promise.allSettled([...this.entries.values()].map((e) => e.saving));
  }

  async list(limit = 50): Promise<Rollout[]> {
    return (await this.deps.store.list(limit)).map((r) => this.entries.get(r.id)?.r ?? r);
  }

  async get(id: number): Promise<Rollout | null> {
    return this.entries.get(id)?.r ?? (await this.deps.store.get(id));
  }

  active(): Rollout[] {
    return [...this.entries.values()].map((e) => e.r);
  }

  async create(input: RolloutInput, by: string): Promise<Rollout> {
    const repo = this.deps.repo;
    if (!repo) throw new RolloutUnavailableError('rollouts need write access to the config repo: set fleet: {repo, auth, signKeyFile} in hub.yaml', 409);
    const running = this.active().find((r) => r.status !== 'completed' && r.status !== 'aborted' && r.status !== 'reverted');
    if (running) throw new RolloutUnavailableError(`rollout ${running.id} is ${running.status}: finish or abort it first`, 409);
    const prepared = await repo.prepare(input.commit, input.selector);
    const d = prepared.defaults;
    const spec: RolloutSpec = {
      fleetCommit: prepared.commit.id,
      fleetSubject: prepared.commit.subject,
      selector: input.selector,
      waves: input.waves ?? d.waves,
      maxFailures: input.maxFailures ?? d.maxFailures,
      waveTimeoutMs: input.waveTimeoutMs ?? d.waveTimeoutMs,
      pauseMs: input.pauseMs ?? d.pauseMs,
      budget: input.budget,
    };
    const base = prepared.hosts.map((h) => ({ host: h.host, branch: h.branch, labels: h.labels, phase: 'pending' as const, commit: null, previous: null, revertCommit: null, publishedAt: null, reason: '', evidence: null }));
    const { hosts, waveCount } = assignWaves(base, spec.waves);
    const at = this.deps.now();
    const r = await this.deps.store.create({
      spec, createdBy: by, createdAt: at.toISOString(), status: 'running', wave: 0, waveCount, waveStartedAt: null, nextWaveAt: null,
      hosts, timeline: [{ at: at.toISOString(), text: `created by ${by}: ${hosts.length} host(s) in ${waveCount} wave(s), fleet commit ${spec.fleetCommit.slice(0, 12)}` }], haltReason: null, version: 1,
    });
    this.track(r, prepared);
    this.log.info({ rollout: r.id, hosts: hosts.length, waves: waveCount, commit: spec.fleetCommit }, 'rollout created');
    this.schedule();
    return r;
  }

  async command(id: number, cmd: Command, by: string): Promise<Rollout> {
    const e = this.entries.get(id);
    if (!e) {
      const stored = await this.deps.store.get(id);
      if (!stored) throw new RolloutUnavailableError(`no rollout ${id}`, 404);
      if (!(cmd.kind === 'abort' && cmd.revert)) throw new RolloutUnavailableError(`rollout ${id} is ${stored.status}`, 409);
      this.track(stored, null);
    }
    const entry = this.entries.get(id);
    if (!entry) throw new RolloutUnavailableError(`no rollout ${id}`, 404);
    return this.locked(entry, async () => {
      const d = command(entry.r, cmd, this.deps.now().getTime(), by);
      this.commit(entry, d.rollout);
      await this.apply(entry, d.effects);
      // A resumed rollout may have a healthy wave behind it: look again now, not at the next report.
      entry.dirty = true;
      this.schedule();
      return entry.r;
    });
  }

  /** Prometheus lines for /metrics. */
  metrics(): string[] {
    const out = ['# HELP moor_hub_rollout_hosts Hosts of each active rollout by phase.', '# TYPE moor_hub_rollout_hosts gauge'];
    for (const r of this.active()) for (const [phase, n] of Object.entries(countPhases(r.hosts))) out.push(`moor_hub_rollout_hosts{rollout="${r.id}",phase="${phase}"} ${n}`);
    out.push('# HELP moor_hub_rollout_wave Wave in progress (1-based) of each active rollout.', '# TYPE moor_hub_rollout_wave gauge');
    for (const r of this.active()) out.push(`moor_hub_rollout_wave{rollout="${r.id}",status="${r.status}"} ${r.wave + 1}`);
    const last = this.stats.waveAdvanceMs[this.stats.waveAdvanceMs.length - 1];
    out.push('# HELP moor_hub_rollout_wave_advance_seconds Time from the report that made a wave healthy to the next wave being published (latest).', '# TYPE moor_hub_rollout_wave_advance_seconds gauge');
    out.push(`moor_hub_rollout_wave_advance_seconds ${last === undefined ? 'NaN' : (last / 1000).toFixed(3)}`);
    return out;
  }

  private track(r: Rollout, prepared: PreparedCommit | null): void {
    this.entries.set(r.id, { r, hosts: new Set(r.hosts.map((h) => h.host)), prepared, lock: Promise.resolve(), busy: false, dirty: true, retryAt: 0, unsaved: false, savedAt: 0, saving: Promise.resolve() });
  }

  private onReport(host: string, report: Parameters<Parameters<Fleet['onReport']>[0]>[1]): void {
    let seen = false;
    if ('status' in report) {
      const o = outcomeOfStatus(report.status);
      if (o) this.book.record(host, o);
      // Any status may confirm a success an event already told (see confirmedOutcome).
      seen = true;
    } else {
      for (const e of report.events) {
        const o = outcomeOfEvent(e);
        if (o) (this.book.record(host, o), (seen = true));
      }
    }
    if (!seen) return;
    for (const e of this.entries.values()) {
      if (!e.hosts.has(host)) continue;
      e.dirty = true;
      this.lastReportAt = Date.now();
      this.schedule();
    }
  }

  /** Soon, but at most one pass per STEP_GAP_MS: a pass costs O(hosts), so 2,500 reports are read in a few passes, not 2,500. */
  private schedule(): void {
    if (this.soon) return;
    const wait = Math.max(10, this.lastStepAt + STEP_GAP_MS - Date.now());
    this.soon = setTimeout(() => {
      this.soon = null;
      this.tick();
    }, wait);
  }

  private tick(): void {
    const now = this.deps.now().getTime();
    this.lastStepAt = Date.now();
    for (const e of this.entries.values()) {
      if (e.unsaved && !e.busy && now - e.savedAt >= SAVE_GAP_MS) this.save(e);
      if (e.busy || now < e.retryAt || (!e.dirty && now < deadline(e.r))) continue;
      e.dirty = false;
      void this.locked(e, () => this.step(e, now)).catch((err: unknown) => this.log.error({ err, rollout: e.r.id }, 'rollout step failed'));
    }
  }

  private async step(e: Entry, now: number): Promise<void> {
    const reports = new Map<string, HostReport>();
    for (const h of e.r.hosts) {
      const link = this.deps.fleet.linkOf(h.host);
      const outcome = this.book.about(h.host, h.phase === 'reverting' ? h.revertCommit : h.commit);
      reports.set(h.host, { online: link?.online ?? false, outcome: confirmedOutcome(outcome, link?.status ?? null) });
    }
    const waveBefore = e.r.waveStartedAt === null ? -1 : e.r.wave;
    const d = decide(e.r, reports, now);
    const advanced = d.rollout.waveStartedAt !== null && d.rollout.wave !== waveBefore && e.r.wave !== d.rollout.wave;
    this.commit(e, d.rollout, d.effects.length > 0);
    await this.apply(e, d.effects);
    if (advanced && this.lastReportAt > 0) this.stats.waveAdvanceMs.push(Date.now() - this.lastReportAt);
    if (e.r.status === 'completed' || e.r.status === 'aborted' || e.r.status === 'reverted') this.entries.delete(e.r.id);
  }

  /**
   * Takes the new state; stores it at once when the rollout or its wave changed or something is
   * about to be pushed, else within SAVE_GAP_MS (hosts turning done are read again from their
   * status after a restart, so a lost second costs nothing).
   */
  private commit(e: Entry, r: Rollout, urgent = true): void {
    if (r.version === e.r.version) return;
    const major = urgent || r.status !== e.r.status || r.wave !== e.r.wave || r.waveStartedAt !== e.r.waveStartedAt || r.timeline.length !== e.r.timeline.length;
    e.r = r;
    if (major) this.save(e);
    else e.unsaved = true;
  }

  private save(e: Entry): void {
    // A copy: the state may move on before the previous store is done.
    const r = structuredClone(e.r);
    e.saving = e.saving.then(() => this.deps.store.save(r)).catch((err: unknown) => {
      this.log.error({ rollout: r.id, err }, 'cannot store the rollout');
      e.unsaved = true;
    });
    e.unsaved = false;
    e.savedAt = this.deps.now().getTime();
  }

  private async apply(e: Entry, effects: Effect[]): Promise<void> {
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

  private async prepared(e: Entry): Promise<PreparedCommit> {
    const repo = this.deps.repo;
    if (!repo) throw new RolloutUnavailableError('no fleet repo configured', 409);
    e.prepared ??= await repo.prepare(e.r.spec.fleetCommit, e.r.spec.selector);
    return e.prepared;
  }

  private async publish(e: Entry, hosts: string[]): Promise<void> {
    try {
      const results = await this.deps.repo!.publish(await this.prepared(e), hosts);
      this.commit(e, published(e.r, results, this.deps.now().getTime()));
      for (const r of results) if (r.commit !== null && (r.status === 'published' || r.status === 'created' || r.status === 'unchanged')) this.deps.requestSync(r.host, `rollout ${e.r.id}`);
      this.log.info({ rollout: e.r.id, wave: e.r.wave + 1, hosts: hosts.length }, 'published');
    } catch (err) {
      this.log.error({ err, rollout: e.r.id }, 'cannot publish a wave; retrying');
      this.commit(e, publishFailed(e.r, hosts, this.deps.now().getTime(), err instanceof Error ? err.message : String(err)));
      e.retryAt = this.deps.now().getTime() + 5000;
    }
    e.dirty = true;
    this.schedule();
  }

  private async revert(e: Entry, hosts: string[]): Promise<void> {
    const set = new Set(hosts);
    const targets = e.r.hosts.filter((h) => set.has(h.host) && h.previous !== null).map((h) => ({ host: h.host, branch: h.branch, previous: h.previous ?? '' }));
    let results: { host: string; commit: string | null; detail: string }[];
    try {
      results = await this.deps.repo!.revert(targets, `rollout ${e.r.id} aborted with --revert`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      results = targets.map((t) => ({ host: t.host, commit: null, detail: message }));
    }
    this.commit(e, revertPublished(e.r, results, this.deps.now().getTime()));
    for (const r of results) if (r.commit !== null) this.deps.requestSync(r.host, `rollout ${e.r.id} revert`);
    this.schedule();
  }

  private async locked<T>(e: Entry, fn: () => Promise<T>): Promise<T> {
    const run = e.lock.then(async () => {
      e.busy = true;
      try {
        return await fn();
      } finally {
        e.busy = false;
      }
    });
    e.lock = run.catch(() => undefined);
    return run;
  }
}

/** When the rollout next needs a look without any report: a pause ending or a host timing out. */
function deadline(r: Rollout): number {
  if (r.status !== 'running' && r.status !== 'reverting') return Number.POSITIVE_INFINITY;
  let at = r.waveStartedAt === null && r.nextWaveAt !== null ? r.nextWaveAt : Number.POSITIVE_INFINITY;
  for (const h of r.hosts) {
    if ((h.phase === 'waiting' || h.phase === 'reverting') && h.publishedAt !== null) at = Math.min(at, h.publishedAt + r.spec.waveTimeoutMs);
  }
  return at;
}
