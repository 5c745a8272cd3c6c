// Strict fakes for the reconciler's unit tests: an engine that keeps containers in memory and
// throws on any call it was not built for, a config source serving scripted commits, and a test
// host wiring the real Reconciler and Store to them with a clock the test owns.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ContainerSpec, DesiredState } from '../../../agent/desired/model.js';
import { DockerError } from '../../../agent/contracts/errors.js';
import type { ContainerEngine, ContainerListing } from '../../../agent/executors/docker/port.js';
import { silentLogger } from '../../../agent/logger.js';
import { LABEL, type ObservedContainer } from '../../../agent/contracts/observed.js';
import type { CommitGate } from '../../../agent/reconciler/commit-gate.js';
import { Reconciler } from '../../../agent/reconciler/reconciler.js';
import type { AgentEvent } from '../../../agent/contracts/events.js';
import type { ConfigSource, RevisionInfo } from '../../../agent/source/port.js';
import { openDatabase } from '../../../agent/store/db.js';
import { Store } from '../../../agent/store/store.js';

export const HOST = 'unit-host';

/** What a container does once started, chosen by its image. */
/** `forgets-hash` runs, but loses moor's hash label (so every plan wants to replace it). */
export type ImageBehaviour = 'runs' | 'exits-0' | 'exits-1' | 'forgets-hash';

/**
 * An engine kept in memory. Images behave as `behaviours` says; an image not in it cannot be
 * pulled. Networks, volumes, renames and drains are not expected by these tests: they throw.
 */
export class FakeEngine implements ContainerEngine {
  readonly containers = new Map<string, ObservedContainer>();
  readonly calls: string[] = [];
  /** Makes the next start of that container fail with this error (once). */
  readonly startFailures = new Map<string, Error>();
  private seq = 0;

  readonly behaviours: Record<string, ImageBehaviour>;

  constructor(behaviours: Record<string, ImageBehaviour>) {
    this.behaviours = { ...behaviours };
  }

  private note(call: string): void {
    this.calls.push(call);
  }

  ping = async (): Promise<void> => this.note('ping');
  listContainers = async (host: string): Promise<ContainerListing> => {
    this.note('listContainers');
    const mine = [...this.containers.values()].filter((c) => c.labels[LABEL.host] === host);
    return { managed: mine.map((c) => ({ ...c })), otherNames: [] };
  };
  listNetworks = async (): Promise<[]> => (this.note('listNetworks'), []);
  listVolumes = async (): Promise<[]> => (this.note('listVolumes'), []);
  imagePresent = async (ref: string): Promise<boolean> => (this.note(`imagePresent ${ref}`), ref in this.behaviours);
  inspectContainer = async (name: string): Promise<ObservedContainer | null> => {
    const c = this.containers.get(name) ?? [...this.containers.values()].find((x) => x.id === name);
    return c ? { ...c } : null;
  };
  logs = async (): Promise<string> => 'fake log line';
  pullImage = async (ref: string): Promise<void> => {
    this.note(`pull ${ref}`);
    if (!(ref in this.behaviours)) throw new DockerError('IMAGE_NOT_FOUND', `image not found in its registry: ${ref}`, { handling: 'commit' });
  };
  createContainer = async (spec: ContainerSpec, labels: Record<string, string>): Promise<string> => {
    this.note(`create ${spec.name}`);
    if (this.containers.has(spec.name)) throw new DockerError('CONFLICT', `container name in use: ${spec.name}`);
    const id = `id-${++this.seq}`;
    this.containers.set(spec.name, {
      id,
      name: spec.name,
      image: spec.image,
      imageId: `sha256:${spec.image}`,
      state: 'created',
      health: null,
      exitCode: null,
      restartCount: 0,
      labels: this.behaviours[spec.image] === 'forgets-hash' ? { ...spec.labels, ...labels, [LABEL.hash]: 'lost' } : { ...spec.labels, ...labels },
      restartPolicy: spec.restart,
      memLimitBytes: spec.memLimitBytes,
      nanoCpus: spec.nanoCpus,
      startedAt: null,
    });
    return id;
  };
  startContainer = async (nameOrId: string): Promise<void> => {
    this.note(`start ${nameOrId}`);
    const c = this.find(nameOrId);
    const failure = this.startFailures.get(c.name);
    if (failure) {
      this.startFailures.delete(c.name);
      throw failure;
    }
    const behaviour = this.behaviours[c.image];
    if (behaviour === undefined) throw new Error(`FakeEngine: image ${c.image} has no behaviour`);
    c.startedAt = '2026-12-01T00:00:00Z';
    if (behaviour === 'runs' || behaviour === 'forgets-hash') Object.assign(c, { state: 'running', exitCode: 0 });
    else Object.assign(c, { state: 'exited', exitCode: behaviour === 'exits-0' ? 0 : 1 });
  };
  stopContainer = async (nameOrId: string): Promise<void> => {
    this.note(`stop ${nameOrId}`);
    const c = this.find(nameOrId);
    if (c.state === 'running') Object.assign(c, { state: 'exited', exitCode: 0 });
  };
  removeContainer = async (nameOrId: string, options?: { force: boolean }): Promise<void> => {
    this.note(`remove ${nameOrId}${options?.force ? ' (force)' : ''}`);
    const c = this.find(nameOrId);
    this.containers.delete(c.name);
  };
  createNetwork = unexpected('createNetwork');
  removeNetwork = unexpected('removeNetwork');
  createVolume = unexpected('createVolume');
  removeVolume = unexpected('removeVolume');
  renameContainer = unexpected('renameContainer');
  disconnectNetworks = unexpected('disconnectNetworks');
  announceContainer = unexpected('announceContainer');

  private find(nameOrId: string): ObservedContainer {
    const c = this.containers.get(nameOrId) ?? [...this.containers.values()].find((x) => x.id === nameOrId);
    if (!c) throw new DockerError('NOT_FOUND', `no container ${nameOrId}`);
    return c;
  }
}

function unexpected(name: string): () => Promise<never> {
  return () => Promise.reject(new Error(`FakeEngine: unexpected call to ${name}`));
}

/**
 * A config source whose branch head the test sets. `checkout` writes a marker file; the desired
 * state of each commit comes from `FakeHost.commits` through loadDesired.
 */
export class FakeSource implements ConfigSource {
  headCommit: string | null = null;
  /** Thrown by head() while set (git unreachable). */
  headError: Error | null = null;

  async head(): Promise<string> {
    if (this.headError) throw this.headError;
    if (!this.headCommit) throw new Error('FakeSource: head() before any commit');
    return this.headCommit;
  }

  async checkout(commit: string, destDir: string): Promise<RevisionInfo> {
    mkdirSync(destDir, { recursive: true });
    writeFileSync(join(destDir, 'commit'), commit);
    return { commit, author: 'Test', email: 't@example.com', date: '2026-12-01T00:00:00Z', message: `commit ${commit.slice(0, 8)}` };
  }

  stats(): { roundTrips: number; bytesIn: number; bytesOut: number } {
    return { roundTrips: 0, bytesIn: 0, bytesOut: 0 };
  }
}

export interface FakeHostOptions {
  images: Record<string, ImageBehaviour>;
  selfHeal?: boolean;
  checkCommit?: CommitGate;
}

/** The real Reconciler and Store over the fakes, with a clock that moves only when slept on. */
export class FakeHost {
  readonly engine: FakeEngine;
  readonly source = new FakeSource();
  readonly events: AgentEvent[] = [];
  readonly store: Store;
  readonly reconciler: Reconciler;
  readonly clock = { now: new Date('2026-12-01T10:00:00Z') };
  /** The desired state of each commit, or the exception loading it throws. */
  readonly commits = new Map<string, DesiredState | Error>();
  private readonly dir: string;
  private next = 0;

  constructor(options: FakeHostOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'moor-reconciler-unit-'));
    this.engine = new FakeEngine(options.images);
    const now = (): Date => this.clock.now;
    this.store = new Store({ db: openDatabase({ file: join(this.dir, 'state.db') }), now });
    this.reconciler = new Reconciler(
      {
        source: this.source,
        engine: this.engine,
        store: this.store,
        events: { emit: (e) => void this.events.push(e) },
        logger: silentLogger(),
        now,
        // Health gates poll with sleep: time passes only here, so no test waits for real.
        sleep: async (ms) => void (this.clock.now = new Date(this.clock.now.getTime() + ms)),
        loadDesired: async (dir) => {
          const state = this.commits.get(basename(dir));
          if (state === undefined) throw new Error(`FakeHost: no desired state for ${basename(dir)}`);
          if (state instanceof Error) throw state;
          return state;
        },
        checkCommit: options.checkCommit,
      },
      { host: HOST, snapshotsDir: join(this.dir, 'snapshots'), desiredKey: () => 'fake-host', prune: true, selfHeal: options.selfHeal ?? true, concurrency: 2 },
    );
  }

  /** A new commit at the head of the branch. */
  push(state: DesiredState | Error): string {
    const commit = (++this.next).toString(16).padStart(40, 'c');
    this.commits.set(commit, state);
    this.source.headCommit = commit;
    return commit;
  }

  eventTypes(): string[] {
    return this.events.map((e) => e.type);
  }

  close(): void {
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
