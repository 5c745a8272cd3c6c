// What the fleet counts for /metrics (hub/metrics.ts) as messages and events arrive.

export interface FleetCounters {
  eventsByType: Map<string, number>;
  syncsByResult: Map<string, number>;
  messages: number;
}

const SYNC_RESULTS: Record<string, string> = { 'sync.succeeded': 'succeeded', 'sync.failed': 'failed', 'sync.rolledBack': 'rolled-back', 'sync.rollbackFailed': 'rollback-failed' };

export function newCounters(): FleetCounters {
  return { eventsByType: new Map(), syncsByResult: new Map(), messages: 0 };
}

/** Counts one stored event by its type, and a sync's result by the event that ends it. */
export function countEvent(counters: FleetCounters, type: string): void {
  counters.eventsByType.set(type, (counters.eventsByType.get(type) ?? 0) + 1);
  const result = SYNC_RESULTS[type];
  if (result) counters.syncsByResult.set(result, (counters.syncsByResult.get(result) ?? 0) + 1);
}
