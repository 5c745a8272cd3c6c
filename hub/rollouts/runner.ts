// Runs the hub's rollouts: feeds the agents' reports and the clock to the pure planner, carries
// out its effects (publish a wave, push a revert, alert), and stores every change. One operation
// at a time per rollout; a hub restart picks the active ones up from the database.

import type pino from 'pino';
import type { AlertSink } from '../alerts.js';
import type { Fleet } from '../fleet.js';
import { changedHosts, indexOf } from './ledger.js';
import { assignWaves, summarise, totalPhases, type HostReport, type Rollout, type RolloutHead, type RolloutHost, type RolloutSpec } from './model.js';
import { overlapping } from './overlap.js';
import { command, decide, published, publishFailed, recovered, revertPublished, type Command, type Effect } from './planner.js';
import { isWaiting, publishingHosts, waitingHosts } from './recovery.js';
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
  fleet: Pick<Fleet, 'onReport' | 'linkOf'>;
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
  /** Hosts with reports since the last pass: the only ones the next pass reads. */
  changed: Set<string>;
  /** Restarted with hosts marked publishing: their branches must be read before anything else. */
  recover: boolean;
  retryAt: number;
  unsaved: boolean;
  /** Host rows changed since the last save (latest version of each). */
  unsavedHosts: Map<string, RolloutHost>;
  savedAt: number;
  /** The stores of this rollout's state, one after the other: a later one never lands first. */
  saving: Promise<void>;
}

const STEP_GAP_MS = 100;
const SAVE_GAP_MS = 1000;

export interface RunnerStats {
  /** ms from the report that made a wave healthy to the push of the next wave. */
  waveAdvanceMs: number[];
  /** CPU time of the passes (planner, store writes, publishing with its awaits), microseconds. */
  passCpuUs: number;
}

export class RolloutRunner {
  readonly stats: RunnerStats = { waveAdvanceMs: [], passCpuUs: 0 };
  private readonly entries = new Map<number, Entry>();
  private readonly book = new OutcomeBook();
  private readonly log: pino.Logger;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private lastReportAt = 0;
  private lastStepAt = 0;
  /** Hosts of the rollouts taken over: asked (once more) to sync when they report while waiting and behind. */
  private readonly nudge = new Set<string>();

  constructor(private readonly deps: RunnerDeps, private readonly options: { tickMs: number }) {
    this.log = deps.logger.child({ component: 'rollouts' });
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
    this.timer = null;
    this.nudge.clear();
    await Promise.allSettled([...this.entries.values()].map((e) => e.lock));
    for (const e of this.entries.values()) if (e.unsaved) this.save(e);
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
    if (e?.unsaved) this.save(e);
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
    for (const r of this.active()) for (const [phase, n] of Object.entries(totalPhases(r))) out.push(`moor_hub_rollout_hosts{rollout="${r.id}",phase="${phase}"} ${n}`);
    out.push('# HELP moor_hub_rollout_wave Wave in progress (1-based) of each active rollout.', '# TYPE moor_hub_rollout_wave gauge');
    for (const r of this.active()) out.push(`moor_hub_rollout_wave{rollout="${r.id}",status="${r.status}"} ${r.wave + 1}`);
    const last = this.stats.waveAdvanceMs[this.stats.waveAdvanceMs.length - 1];
    out.push('# HELP moor_hub_rollout_wave_advance_seconds Time from the report that made a wave healthy to the next wave being published (latest).', '# TYPE moor_hub_rollout_wave_advance_seconds gauge');
    out.push(`moor_hub_rollout_wave_advance_seconds ${last === undefined ? 'NaN' : (last / 1000).toFixed(3)}`);
    out.push('# HELP moor_hub_rollout_pass_cpu_seconds_total CPU time the rollout passes took (approximate: other work may run during a publish).', '# TYPE moor_hub_rollout_pass_cpu_seconds_total counter');
    out.push(`moor_hub_rollout_pass_cpu_seconds_total ${(this.stats.passCpuUs / 1e6).toFixed(3)}`);
    return out;
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
    const hosts = new Set(r.hosts.map((h) => h.host));
    // The first pass reads every host once (a restarted hub may already hold their reports).
    const e: Entry = { r, hosts, prepared, lock: Promise.resolve(), busy: false, dirty: true, changed: new Set(hosts), recover: false, retryAt: 0, unsaved: false, unsavedHosts: new Map(), savedAt: 0, saving: Promise.resolve() };
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
      void this.locked(e, () => this.timed(() => (e.recover ? this.recover(e, now) : this.step(e, now)))).catch((err: unknown) => this.log.error({ err, rollout: e.r.id }, 'rollout step failed'));
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
      const tips = hosts.length > 0 ? await this.deps.repo!.tips(await this.prepared(e), hosts) : new Map();
      this.commit(e, recovered(e.r, tips, now));
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
    for (const h of changedHosts(e.r, r)) e.unsavedHosts.set(h.host, h);
    e.r = r;
    if (major) this.save(e);
    else e.unsaved = true;
  }

  private save(e: Entry): void {
    // The store serialises the rollout's row and these host rows before it returns its promise,
    // and commits one rollout's saves in order: a later one never lands first.
    const hosts = [...e.unsavedHosts.values()];
    e.unsavedHosts.clear();
    const r = e.r;
    const saved = this.deps.store.save(r, hosts).catch((err: unknown) => {
      this.log.error({ rollout: r.id, err }, 'cannot store the rollout');
      // Written again with the next save, in their latest state.
      for (const h of hosts) {
        const now = e.r.hosts[indexOf(e.r, h.host)];
        if (now && !e.unsavedHosts.has(h.host)) e.unsavedHosts.set(h.host, now);
      }
      e.unsaved = true;
    });
    e.saving = e.saving.then(() => saved);
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
      // Agents first, the store after: a hub killed in between finds the pushes on restart (recovery.ts).
      for (const r of results) if (r.commit !== null && (r.status === 'published' || r.status === 'created' || r.status === 'unchanged')) this.deps.requestSync(r.host, `rollout ${e.r.id}`);
      this.commit(e, published(e.r, results, this.deps.now().getTime()));
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

  private async timed(fn: () => Promise<void>): Promise<void> {
    const start = process.cpuUsage();
    try {
      await fn();
    } finally {
      const used = process.cpuUsage(start);
      this.stats.passCpuUs += used.user + used.system;
    }
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
  const pause = r.waveStartedAt === null && r.nextWaveAt !== null ? r.nextWaveAt : Number.POSITIVE_INFINITY;
  return Math.min(pause, r.checkTimeoutsAt ?? Number.POSITIVE_INFINITY);
}
