// What the fleet alerts on, as pure builders: a failed or rolled-back sync and drift (from an
// agent's events), a host gone offline or back, a suspension that lasts. The Fleet sends them.

import type { AgentEvent } from '../agent/contracts/events.js';
import type { StatusSnapshot } from '../agent/contracts/status-model.js';
import type { Alert } from './alerts.js';

export type AlertDraft = Omit<Alert, 'at'>;

/** The alert an agent's event raises, if any. */
export function eventAlert(host: string, event: AgentEvent): AlertDraft | null {
  const data = { event };
  switch (event.type) {
    case 'sync.failed':
      return { kind: 'sync.failed', host, text: `${host}: sync of ${event.commit.slice(0, 12)} failed: ${event.error?.message ?? ''}`, data };
    case 'sync.rolledBack':
      return { kind: 'sync.rolledBack', host, text: `${host}: rolled back ${event.commit.slice(0, 12)} to ${event.to.slice(0, 12)}: ${event.error?.message ?? ''}`, data };
    case 'sync.rollbackFailed':
      return {
        kind: 'sync.rollbackFailed', host, data,
        text: `${host}: ${event.commit.slice(0, 12)} failed, rollback failed: ${event.error?.message ?? ''}; putting back ${event.to.slice(0, 12)} failed: ${event.rollbackError?.message ?? ''}`,
      };
    case 'drift.detected':
      return { kind: 'drift.detected', host, text: `${host}: ${event.changes.length} resource(s) drifted${event.healed ? ', put back' : ''}`, data };
    default:
      return null;
  }
}

export function offlineAlert(host: string, lastSeen: string): AlertDraft {
  return { kind: 'host.offline', host, text: `${host} is offline (last heartbeat ${lastSeen})`, data: { lastSeen } };
}

export function onlineAlert(host: string): AlertDraft {
  return { kind: 'host.online', host, text: `${host} is back online`, data: {} };
}

export function suspendedAlert(host: string, suspended: NonNullable<StatusSnapshot['suspended']>): AlertDraft {
  return { kind: 'host.suspended', host, text: `${host} suspended since ${suspended.since}: ${suspended.reason}`, data: { suspended } };
}
