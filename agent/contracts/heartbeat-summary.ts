// A host's heartbeat summary as its status says it: the agent sends it with its beats, and the hub
// keeps the one a status implies as soon as the status arrives (not a beat later).

import type { HeartbeatSummary } from './hub-protocol.js';
import type { StatusSnapshot } from './status-model.js';

/** `outboxSize`: the events not yet acknowledged, which the status does not carry. */
export function summaryOfStatus(status: StatusSnapshot, outboxSize: number): HeartbeatSummary {
  let healthy = 0;
  let unhealthy = 0;
  for (const r of status.resources) {
    if (r.health === 'healthy') healthy++;
    else if (r.health === 'unhealthy' || r.health === 'missing') unhealthy++;
  }
  return {
    applied: status.revision.applied,
    head: status.revision.head,
    state: status.state,
    healthy,
    unhealthy,
    suspended: status.suspended !== null,
    outbox: outboxSize,
    labels: status.labels ?? {},
  };
}
