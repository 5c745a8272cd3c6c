// The agent's status as `moor status`, the control socket and the hub see it: plain data.

import type { ErrorJSON } from './errors.js';

export type ResourceHealth = 'healthy' | 'unhealthy' | 'starting' | 'stopped' | 'missing';

export interface ResourceStatus {
  kind: 'container' | 'unit' | 'file' | 'network' | 'volume';
  name: string;
  health: ResourceHealth;
  detail: string;
}

export interface StatusSnapshot {
  host: string;
  version: string;
  branch: string;
  /** Commit the host is meant to run now, the last good one, and the branch head last seen. */
  revision: { applied: string | null; lastGood: string | null; head: string | null };
  /** The applied commit's author, date and message (first 4 KiB); null before the first apply. */
  commit?: { id: string; author: string; email: string; date: string; message: string } | null;
  /** busy while an apply runs. */
  state: 'idle' | 'syncing' | 'suspended' | 'pending-window' | 'failed' | 'error';
  lastSync: { at: string; commit: string | null; result: string; error: ErrorJSON | null } | null;
  source: { ok: boolean; at: string; error: ErrorJSON | null } | null;
  suspended: { until: string; reason: string; since: string; by?: string } | null;
  pending: { commit: string; until: string | null } | null;
  resources: ResourceStatus[];
  /** Drifted resources seen at the last check (put back unless selfHeal is off). */
  drift: { resource: string; detail: string }[];
  hub: { url: string; connected: boolean; outbox: number } | null;
  /** The host's fleet labels, from the applied commit's moor.yaml (empty outside a fleet). */
  labels?: Record<string, string>;
  /** Unexpected exceptions (bugs in moor) counted since the state dir was made. */
  bugs?: { count: number; last: { at: string; message: string } | null };
  /** Whether the container engine answered the last look; `since` when it stopped answering. */
  engine?: { ok: boolean; since: string | null; error: string | null };
}
