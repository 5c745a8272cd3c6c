// Runs the hub's rollouts: feeds the agents' reports and the clock to the pure planner, has its
// effects carried out (effects.ts) and every change stored (entry.ts). A report that may close a
// wave is read at once. One operation at a time per rollout; a hub restart picks the active ones
// up from the database.

import type pino from 'pino';
import type { Fleet } from '../fleet.js';
import type { RolloutStorage } from '../storage/port.js';
import { EffectRunner, RolloutUnavailableError, type EffectDeps } from './effects.js';
import { locked, newEntry, RolloutSaver, SAVE_GAP_MS, type Entry } from './entry.js';
import { indexOf } from './ledger.js';
import { assignWaves, summarise, type HostReport, type Rollout, type RolloutHead, type RolloutSpec } from './model.js';
import { overlapping } from './overlap.js';
import { command, decide, recovered, type Command } from './planner.js';
import { isWaiting, publishingHosts, waitingHosts } from './recovery.js';
import type { PreparedCommit } from './repo.js';
import { confirmedOutcome, OutcomeBook, outcomeOfEvent, outcomeOfStatus } from './reports.js';
import { deadline, mayCloseWave, rolloutMetrics, type RunnerStats } from './runner-parts.js';

export { RolloutUnavailableError } from './effects.js';
export type { RunnerStats } from './runner-parts.js';

export interface RunnerDeps extends EffectDeps {
  store: RolloutStorage;
  fleet: Pick<Fleet, 'onReport' | 'linkOf'>;
  logger: pino.Logger;
}

export type RolloutInput = Omit<RolloutSpec, 'fleetCommit' | 'fleetSubject' | 'waves' | 'maxFailures' | 'waveTimeoutMs' | 'pauseMs'> &
  Partial<Pick<RolloutSpec, 'waves' | 'maxFailures' | 'waveTimeoutMs' | 'pauseMs'>> & { commit: string | null };

/** Passes closer than this are merged (reports arriving together are read in one pass), unless a report may close the wave. */
const STEP_GAP_MS = 50;

export class RolloutRunner {
  readonly stats: RunnerStats = { waveAdvanceMs: [], passCpuUs: 0 };
  private readonly entries = new Map<number, Entry>();
  private readonly book = new OutcomeBook();
  private readonly log: pino.Logger;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** A report that may close a wave came since the last pass. */
  private urgent = false;
  private lastReportAt = 0;
  private lastStepAt = 0;
  private readonly saver: RolloutSaver;
  private readonly effects: EffectRunner;
  /** Hosts of the rollouts taken over: asked (once more) to sync when they report while waiting and behind. */
  private readonly nudge = new Set<string>();

  constructor(private readonly deps: RunnerDeps, private readonly options: { tickMs: number }) {
    this.log = deps.logger.child({ component: 'rollouts' });
    this.saver = new RolloutSaver({ store: deps.store, log: this.log, now: deps.now });
    this.effects = new EffectRunner(deps, this.saver, this.log, () => this.schedule());
    deps.fleet.onReport((host, report) => this.onReport(host, report));
  }

  async start(): Promise<void> {
    for (const r of await this.deps.store.active()) {
      // A publish cut short by the restart: the host branches say which pushes happened (recovery.ts).
      this.track(r, null).recover = publishingHosts(r).length > 0;
      for (const h of r.hosts) {
        const status = this.deps.fleet.linkOf(h.host)?.status;
        const o = status ? outcomeOfStatus(status) : null;
        if (o) this.book.record(h.host, o);
      }
      this.log.info({ rollout: r.id, status: r.status, wave: r.wave + 1 }, 'resuming rollout');
      this.nudgeWaiting(r);
    }
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    if (this.immediate) clearImmediate(this.immediate);
    this.nudge.clear();
    this.timer = null;
    await Promise.allSettled([...this.entries.values()].map((e) => e.lock));
    for (const e of this.entries.values()) if (e.unsaved) this.saver.save(e);
    await Promise.allSettled([...this.entries.values()].map((e) => e.saving));
  }

  async list(limit = 50): Promise<RolloutHead[]> {
    return (await this.deps.store.list(limit)).map((r) => this.entries.get(r.id)?.r ?? r);
  }

  async get(id: number): Promise<Rollout | null> {
    return this.entries.get(id)?.r ?? (await this.deps.store.get(id));
  }

  /** Resolves once what this hub knows of rollout `id` is in the database (another hub reads it there). */
  async stored(id: number): Promise<void> {
    const e = this.entries.get(id);
    if (e?.unsaved) this.saver.save(e);
    await e?.saving;
  }

  active(): Rollout[] {
    return [...this.entries.values()].map((e) => e.r);
  }

  async create(input: RolloutInput, by: string): Promise<Rollout> {
    const repo = this.deps.repo;
    if (!repo) throw new RolloutUnavailableError('rollouts need write access to the config repo: set fleet: {repo, auth, signKeyFile} in hub.yaml', 409);
    const prepared = await repo.prepare(input.commit, input.selector);
    // Checked after the await, right before tracking: two starts at once cannot both pass.
    const clash = overlapping(this.active(), prepared.hosts.map((h) => h.host));
    if (clash) throw new RolloutUnavailableError(clash, 409);
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
      ...summarise(hosts, waveCount, spec),
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
    return locked(entry, async () => {
      const d = command(entry.r, cmd, this.deps.now().getTime(), by);
      this.saver.commit(entry, d.rollout);
      await this.effects.apply(entry, d.effects);
      // A resumed rollout may have a healthy wave behind it: look again now, not at the next report.
      entry.dirty = true;
      this.schedule();
      return entry.r;
    });
  }

  /** Prometheus lines for /metrics. */
  metrics(): string[] {
    return rolloutMetrics(this.active(), this.stats);
  }

  /**
   * A hub that took the rollouts over does not know whether the one that published the current
   * wave lived to ask its hosts to sync: it asks those still waiting again (through the relay when
   * another hub holds their link), and any host of the rollout once more when it first reports
   * while waiting and behind (its link was on the dead hub: the request went nowhere).
   */
  private nudgeWaiting(r: Rollout): void {
    for (const h of r.hosts) this.nudge.add(h.host);
    for (const host of waitingHosts(r)) if (this.behind(r, host)) this.deps.requestSync(host, `rollout ${r.id} (taken over)`);
  }

  /** True while the host has told nothing about the commit (or revert) it was given. */
  private behind(r: Rollout, host: string): boolean {
    const h = r.hosts[indexOf(r, host)];
    const target = h?.phase === 'reverting' ? h.revertCommit : (h?.commit ?? null);
    return this.reportOf(r, host).outcome?.commit !== target;
  }

  /** True when the host was asked. */
  private nudgeAgain(r: Rollout, host: string): boolean {
    if (!isWaiting(r, indexOf(r, host)) || !this.behind(r, host)) return false;
    this.log.info({ rollout: r.id, host }, 'asking a host of the current wave to sync again after the takeover');
    this.deps.requestSync(host, `rollout ${r.id} (taken over)`);
    return true;
  }

  private track(r: Rollout, prepared: PreparedCommit | null): Entry {
    const e = newEntry(r, prepared);
    this.entries.set(r.id, e);
    return e;
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
      if ('status' in report && this.nudge.has(host) && this.nudgeAgain(e.r, host)) this.nudge.delete(host);
      e.changed.add(host);
      e.dirty = true;
      this.lastReportAt = Date.now();
      this.schedule(mayCloseWave(e.r, host));
    }
  }

  /**
   * A pass soon: reports arriving together are read in one pass, at most one per STEP_GAP_MS; a
   * report that may close the wave (or the revert) is read at once, so the next wave starts without
   * waiting for a timer.
   */
  private schedule(urgent = false): void {
    if (urgent) this.urgent = true;
    if (this.immediate) return;
    if (urgent) {
      if (this.soon) clearTimeout(this.soon);
      this.soon = null;
      this.immediate = setImmediate(() => {
        this.immediate = null;
        this.tick();
      });
      return;
    }
    if (this.soon) return;
    const wait = Math.max(0, this.lastStepAt + STEP_GAP_MS - Date.now());
    this.soon = setTimeout(() => {
      this.soon = null;
      this.tick();
    }, wait);
  }

  private tick(): void {
    const now = this.deps.now().getTime();
    this.lastStepAt = Date.now();
    const urgent = this.urgent;
    this.urgent = false;
    for (const e of this.entries.values()) {
      if (e.unsaved && !e.busy && now - e.savedAt >= SAVE_GAP_MS) this.saver.save(e);
      if (e.busy) {
        // Reports that came during the pass under way are read right after it.
        if (urgent) this.urgent = true;
        continue;
      }
      if (now < e.retryAt || (!e.dirty && now < deadline(e.r))) continue;
      e.dirty = false;
      void locked(e, () => this.timed(() => (e.recover ? this.recover(e, now) : this.step(e, now))))
        .catch((err: unknown) => this.log.error({ err, rollout: e.r.id }, 'rollout step failed'))
        .finally(() => {
          if (e.dirty && this.entries.has(e.r.id) && this.timer) this.schedule(this.urgent);
        });
    }
  }

  /** What a host says now about the commit it was given (or its revert). */
  private reportOf(r: Rollout, host: string): HostReport {
    const h = r.hosts[indexOf(r, host)];
    const link = this.deps.fleet.linkOf(host);
    const outcome = this.book.about(host, h?.phase === 'reverting' ? h.revertCommit : (h?.commit ?? null));
    return { online: link?.online ?? false, outcome: confirmedOutcome(outcome, link?.status ?? null) };
  }

  /** After a restart: reads the tips of the branches of hosts marked publishing (recovery.ts). */
  private async recover(e: Entry, now: number): Promise<void> {
    const hosts = publishingHosts(e.r);
    try {
      const tips = hosts.length > 0 ? await this.effects.tips(e, hosts) : new Map();
      this.saver.commit(e, recovered(e.r, tips, now));
      e.recover = false;
    } catch (err) {
      this.log.error({ err, rollout: e.r.id }, 'cannot read the host branches after a restart; retrying');
      e.retryAt = now + 5000;
    }
    e.dirty = true;
    this.schedule();
  }

  private async step(e: Entry, now: number): Promise<void> {
    const changed = e.changed;
    e.changed = new Set();
    const reports = new Map<string, HostReport>();
    for (const host of changed) reports.set(host, this.reportOf(e.r, host));
    const waveBefore = e.r.waveStartedAt === null ? -1 : e.r.wave;
    const d = decide(e.r, reports, now, (host) => this.reportOf(e.r, host));
    const advanced = d.rollout.waveStartedAt !== null && d.rollout.wave !== waveBefore && e.r.wave !== d.rollout.wave;
    this.saver.commit(e, d.rollout, d.effects.length > 0);
    await this.effects.apply(e, d.effects);
    if (advanced && this.lastReportAt > 0) this.stats.waveAdvanceMs.push(Date.now() - this.lastReportAt);
    if (e.r.status === 'completed' || e.r.status === 'aborted' || e.r.status === 'reverted') this.entries.delete(e.r.id);
  }

  private async timed(fn: () => Promise<void>): Promise<void> {
    const start = process.cpuUsage();
    try {
      await fn();
    } finally {
      const used = process.cpuUsage(start);
      this.stats.passCpuUs += used.user + used.system;
    }
  }
}
