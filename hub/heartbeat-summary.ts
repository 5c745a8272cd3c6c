// Whether a heartbeat's summary says anything new: most beats repeat the last one, and an equal
// summary keeps the object the hub holds (no row write for it).

import type { HeartbeatSummary } from '../agent/contracts/hub-protocol.js';

export function sameSummary(a: HeartbeatSummary | null, b: HeartbeatSummary): boolean {
  if (a === null) return false;
  return a.applied === b.applied && a.head === b.head && a.state === b.state && a.healthy === b.healthy && a.unhealthy === b.unhealthy
    && a.suspended === b.suspended && a.outbox === b.outbox && sameLabels(a.labels, b.labels);
}

/** Absent labels (an older agent) differ from empty ones: the views fall back to the status's labels only for absent. */
function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false;
  return true;
}
