// Builds the agent's status (StatusSnapshot) from the store and a fresh look at the engine, and
// keeps the latest one for callers that need it synchronously (the hub reporter).

import type { DesiredState } from '../desired/model.js';
import type { ErrorJSON } from '../contracts/errors.js';
import type { ContainerEngine } from '../executors/docker/port.js';
import type { ObservedContainer, ObservedFile, ObservedUnit } from '../contracts/observed.js';
import type { HostReader } from '../observe/observe.js';
import { fileContentHash } from '../planner/files.js';
import { hasUnitFiles, observedUnitHash, unitFilesHash } from '../desired/unit-hash.js';
import type { FileSpec, UnitSpec } from '../desired/model.js';
import type { ResourceChange } from '../planner/steps.js';
import type { Store } from '../store/store.js';
import type { ResourceStatus, StatusSnapshot } from '../contracts/status-model.js';
import type { Snapshots } from './snapshots.js';
import type { Suspension } from './suspension.js';

export interface StatusDeps {
  store: Store;
  engine: ContainerEngine;
  /** Units and files; absent when the host manages neither. */
  hostReader?: HostReader;
  snapshots: Snapshots;
  suspension: Suspension;
  busy: () => boolean;
  hub: () => StatusSnapshot['hub'];
  /** Whether the engine answers (the engine's deadline guard knows); absent: assumed to. */
  engineHealth?: () => { ok: boolean; since: string | null; error: string | null };
}

export interface StatusOptions {
  host: string;
  version: string;
  branch: string;
}

export class StatusTracker {
  private latest: StatusSnapshot;
  private labels: Record<string, string> = {};

  constructor(
    private readonly deps: StatusDeps,
    private readonly options: StatusOptions,
  ) {
    this.latest = this.fromStore([]);
  }

  current(): StatusSnapshot {
    return { ...this.fromStore(this.latest.resources), hub: this.deps.hub(), labels: this.labels };
  }

  /** Looks at the engine now; the engine being down is a status, not an error. */
  async refresh(): Promise<StatusSnapshot> {
    let resources: ResourceStatus[] = this.latest.resources;
    const applied = this.deps.store.get('applied');
    try {
      // An engine known not to answer is not asked again here: status must answer at once.
      if (this.deps.engineHealth?.().ok === false) throw new Error('engine not answering');
      const desired = applied ? await this.deps.snapshots.desired(applied) : null;
      resources = desired ? [...(await this.containerHealth(desired)), ...(await this.hostHealth(desired))] : [];
      this.labels = desired?.labels ?? {};
    } catch {
      const why = this.deps.engineHealth?.().ok === false ? 'engine not answering' : 'engine unreachable';
      resources = this.latest.resources.map((r) => ({ ...r, detail: `${r.detail.replace(/ \(engine [a-z ]+, last known\)$/, '')} (${why}, last known)` }));
    }
    this.latest = { ...this.fromStore(resources), labels: this.labels };
    return this.latest;
  }

  private async containerHealth(desired: DesiredState): Promise<ResourceStatus[]> {
    const listing = await this.deps.engine.listContainers(this.options.host);
    const byName = new Map(listing.managed.map((c) => [c.name, c]));
    return desired.containers.map((spec) => describe(spec.name, byName.get(spec.name)));
  }

  private async hostHealth(desired: DesiredState): Promise<ResourceStatus[]> {
    const reader = this.deps.hostReader;
    if (!reader || (desired.units.length === 0 && desired.files.length === 0)) return [];
    const [units, files] = await Promise.all([
      desired.units.length > 0 ? reader.units(desired.units.map((u) => u.name)) : Promise.resolve([]),
      desired.files.length > 0 ? reader.files(desired.files.map((f) => f.path)) : Promise.resolve([]),
    ]);
    const unitByName = new Map(units.map((u) => [u.name, u]));
    const fileByPath = new Map(files.map((f) => [f.path, f]));
    return [
      ...desired.units.map((spec) => describeUnit(spec, unitByName.get(spec.name))),
      ...desired.files.map((spec) => describeFile(spec, fileByPath.get(spec.path))),
    ];
  }

  private fromStore(resources: ResourceStatus[]): StatusSnapshot {
    const { store } = this.deps;
    const lastSync = store.get('lastSync');
    const source = store.get('sourceStatus');
    const suspended = this.deps.suspension.current();
    const pending = store.get('pending');
    const drift = store.get('drift') ?? [];
    const bugs = store.get('bugs');
    const state: StatusSnapshot['state'] = this.deps.busy()
      ? 'syncing'
      : suspended
        ? 'suspended'
        : pending
          ? 'pending-window'
          : lastSync && ['failed', 'rolled-back', 'rollback-failed', 'invalid'].includes(lastSync.result)
            ? 'failed'
            : lastSync?.result === 'error'
              ? 'error'
              : 'idle';
    return {
      host: this.options.host,
      version: this.options.version,
      branch: this.options.branch,
      revision: { applied: store.get('applied'), lastGood: store.get('lastGood'), head: source?.head ?? null },
      commit: appliedCommit(store),
      state,
      lastSync: lastSync ? { at: lastSync.at, commit: lastSync.commit, result: lastSync.result, error: lastSync.error } : null,
      source: source ? { ok: source.ok, at: source.at, error: source.error } : null,
      suspended: suspended ? { until: suspended.until, reason: suspended.reason, since: suspended.since, ...(suspended.by ? { by: suspended.by } : {}) } : null,
      pending: pending ? { commit: pending.commit, until: pending.until } : null,
      resources,
      drift: drift.map((c) => ({ resource: `${c.kind}/${c.name}`, detail: c.why })),
      bugs: bugs ? { count: bugs.count, last: bugs.last ? { at: bugs.last.at, message: bugs.last.error.message } : null } : { count: 0, last: null },
      engine: this.deps.engineHealth?.() ?? { ok: true, since: null, error: null },
      hub: this.deps.hub(),
    };
  }
}

/** Who made the applied commit and why, from the agent's revision records (the hub's host page shows it). */
function appliedCommit(store: Store): StatusSnapshot['commit'] {
  const id = store.get('applied');
  const rev = id ? store.revision(id) : null;
  return rev ? { id: rev.commit, author: rev.author.slice(0, 256), email: rev.email.slice(0, 256), date: rev.date, message: rev.message.slice(0, 4096) } : null;
}

function describe(name: string, c: ObservedContainer | undefined): ResourceStatus {
  if (!c) return { kind: 'container', name, health: 'missing', detail: 'not found on the engine' };
  if (c.state === 'running') {
    if (c.health === 'unhealthy') return { kind: 'container', name, health: 'unhealthy', detail: 'healthcheck failing' };
    if (c.health === 'starting') return { kind: 'container', name, health: 'starting', detail: 'healthcheck starting' };
    return { kind: 'container', name, health: 'healthy', detail: c.health === 'healthy' ? 'running, healthy' : 'running' };
  }
  if (c.state === 'restarting') return { kind: 'container', name, health: 'unhealthy', detail: `restarting (${c.restartCount} restarts)` };
  return { kind: 'container', name, health: 'stopped', detail: `${c.state}${c.exitCode !== null ? ` (exit ${c.exitCode})` : ''}` };
}

function describeUnit(spec: UnitSpec, u: ObservedUnit | undefined): ResourceStatus {
  const name = spec.name;
  if (!u) return { kind: 'unit', name, health: 'missing', detail: 'systemd does not report it' };
  const edited = hasUnitFiles(spec) && !spec.mask && observedUnitHash(spec, u) !== unitFilesHash(spec.content, spec.dropIns);
  const flags = [u.masked ? 'masked' : u.enabled ? 'enabled' : 'disabled', ...(edited ? ['files differ from the commit'] : [])].join(', ');
  if (u.active === 'failed') return { kind: 'unit', name, health: 'unhealthy', detail: `failed, ${flags}` };
  if (u.active === 'activating' || u.active === 'reloading') return { kind: 'unit', name, health: 'starting', detail: `${u.active}, ${flags}` };
  if (u.active === 'active') return { kind: 'unit', name, health: edited ? 'unhealthy' : 'healthy', detail: `active, ${flags}` };
  const expected = spec.state !== 'running';
  return { kind: 'unit', name, health: expected && !edited ? 'healthy' : 'stopped', detail: `${u.active}, ${flags}` };
}

function describeFile(spec: FileSpec, f: ObservedFile | undefined): ResourceStatus {
  const name = spec.path;
  if (!f || f.hash === null) return { kind: 'file', name, health: 'missing', detail: 'not on disk' };
  if (f.hash !== fileContentHash(spec)) return { kind: 'file', name, health: 'unhealthy', detail: 'content changed on disk' };
  if (f.mode !== null && f.mode !== spec.mode) return { kind: 'file', name, health: 'unhealthy', detail: `mode ${f.mode.toString(8)} instead of ${spec.mode.toString(8)}` };
  return { kind: 'file', name, health: 'healthy', detail: `in place from ${spec.source}` };
}
