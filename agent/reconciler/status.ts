// Builds the agent's status (StatusSnapshot) from the store and a fresh look at the engine, and
// keeps the latest one for callers that need it synchronously (the hub reporter).

import type { DesiredState } from '../desired/model.js';
import type { ErrorJSON } from '../errors.js';
import type { ContainerEngine } from '../executors/docker/port.js';
import type { ObservedContainer } from '../observe/model.js';
import type { ResourceChange } from '../planner/steps.js';
import type { Store } from '../store/store.js';
import type { ResourceStatus, StatusSnapshot } from './status-model.js';
import type { Snapshots } from './snapshots.js';
import type { Suspension } from './suspension.js';

export interface StatusDeps {
  store: Store;
  engine: ContainerEngine;
  snapshots: Snapshots;
  suspension: Suspension;
  busy: () => boolean;
  hub: () => StatusSnapshot['hub'];
}

export interface StatusOptions {
  host: string;
  version: string;
  branch: string;
}

export class StatusTracker {
  private latest: StatusSnapshot;

  constructor(
    private readonly deps: StatusDeps,
    private readonly options: StatusOptions,
  ) {
    this.latest = this.fromStore([]);
  }

  current(): StatusSnapshot {
    return { ...this.fromStore(this.latest.resources), hub: this.deps.hub() };
  }

  /** Looks at the engine now; the engine being down is a status, not an error. */
  async refresh(): Promise<StatusSnapshot> {
    let resources: ResourceStatus[] = this.latest.resources;
    const applied = this.deps.store.get<string>('applied');
    try {
      const desired = applied ? await this.deps.snapshots.desired(applied) : null;
      resources = desired ? await this.containerHealth(desired) : [];
    } catch {
      resources = this.latest.resources.map((r) => ({ ...r, detail: `${r.detail} (engine unreachable, last known)` }));
    }
    this.latest = this.fromStore(resources);
    return this.latest;
  }

  private async containerHealth(desired: DesiredState): Promise<ResourceStatus[]> {
    const listing = await this.deps.engine.listContainers(this.options.host);
    const byName = new Map(listing.managed.map((c) => [c.name, c]));
    return desired.containers.map((spec) => describe(spec.name, byName.get(spec.name)));
  }

  private fromStore(resources: ResourceStatus[]): StatusSnapshot {
    const { store } = this.deps;
    const lastSync = store.get<{ at: string; commit: string | null; result: string; error: ErrorJSON | null }>('lastSync');
    const source = store.get<{ at: string; ok: boolean; head: string | null; error: ErrorJSON | null }>('sourceStatus');
    const suspended = this.deps.suspension.current();
    const pending = store.get<{ commit: string; until: string | null }>('pending');
    const drift = store.get<ResourceChange[]>('drift') ?? [];
    const state: StatusSnapshot['state'] = this.deps.busy()
      ? 'syncing'
      : suspended
        ? 'suspended'
        : pending
          ? 'pending-window'
          : lastSync && ['failed', 'rolled-back', 'invalid'].includes(lastSync.result)
            ? 'failed'
            : lastSync?.result === 'error'
              ? 'error'
              : 'idle';
    return {
      host: this.options.host,
      version: this.options.version,
      branch: this.options.branch,
      revision: { applied: store.get<string>('applied'), lastGood: store.get<string>('lastGood'), head: source?.head ?? null },
      state,
      lastSync: lastSync ? { at: lastSync.at, commit: lastSync.commit, result: lastSync.result, error: lastSync.error } : null,
      source: source ? { ok: source.ok, at: source.at, error: source.error } : null,
      suspended: suspended ? { until: suspended.until, reason: suspended.reason, since: suspended.since } : null,
      pending: pending ? { commit: pending.commit, until: pending.until } : null,
      resources,
      drift: drift.map((c) => ({ resource: `${c.kind}/${c.name}`, detail: c.why })),
      hub: this.deps.hub(),
    };
  }
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
