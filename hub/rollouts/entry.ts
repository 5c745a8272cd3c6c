// A rollout the runner is driving, and how its state reaches the store: at once when the rollout
// or its wave changed or something is about to be pushed, else within SAVE_GAP_MS (hosts turning
// done are read again from their status after a restart, so a lost second costs nothing).

import type pino from 'pino';
import type { RolloutStorage } from '../storage/port.js';
import { changedHosts, indexOf } from './ledger.js';
import type { Rollout, RolloutHost } from './model.js';
import type { PreparedCommit } from './repo.js';

export interface Entry {
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

export const SAVE_GAP_MS = 1000;

export function newEntry(r: Rollout, prepared: PreparedCommit | null): Entry {
  const hosts = new Set(r.hosts.map((h) => h.host));
  // The first pass reads every host once (a restarted hub may already hold their reports).
  return { r, hosts, prepared, lock: Promise.resolve(), busy: false, dirty: true, changed: new Set(hosts), recover: false, retryAt: 0, unsaved: false, unsavedHosts: new Map(), savedAt: 0, saving: Promise.resolve() };
}

/** Runs `fn` after the entry's previous operation: one operation at a time per rollout. */
export function locked<T>(e: Entry, fn: () => Promise<T>): Promise<T> {
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

export class RolloutSaver {
  constructor(private readonly deps: { store: RolloutStorage; log: pino.Logger; now: () => Date }) {}

  /** Takes the new state; stores it now when it is `urgent` or a major change, else later. */
  commit(e: Entry, r: Rollout, urgent = true): void {
    if (r.version === e.r.version) return;
    const major = urgent || r.status !== e.r.status || r.wave !== e.r.wave || r.waveStartedAt !== e.r.waveStartedAt || r.timeline.length !== e.r.timeline.length;
    for (const h of changedHosts(e.r, r)) e.unsavedHosts.set(h.host, h);
    e.r = r;
    if (major) this.save(e);
    else e.unsaved = true;
  }

  save(e: Entry): void {
    // The store serialises the rollout's row and these host rows before it returns its promise,
    // and commits one rollout's saves in order: a later one never lands first.
    const hosts = [...e.unsavedHosts.values()];
    e.unsavedHosts.clear();
    const r = e.r;
    const saved = this.deps.store.save(r, hosts).catch((err: unknown) => {
      this.deps.log.error({ rollout: r.id, err }, 'cannot store the rollout');
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
}
