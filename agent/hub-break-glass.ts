// The hub's suspend and resume frames, applied exactly as `moor suspend` and `moor resume` are:
// the same store record, expiry and events, with who asked (`hub:<operator>`) kept alongside.

import type { Logger } from './logger.js';
import type { Suspension } from './reconciler/suspension.js';
import { suspendForMs } from './reporter/protocol.js';
import type { HubResume, HubSuspend } from './reporter/reporter.js';

export interface BreakGlassDeps {
  suspension: Suspension;
  logger: Logger;
  /** Runs after a resume that lifted a suspension, as `moor resume` does. */
  syncAfterResume: () => void;
}

export function hubBreakGlass(deps: BreakGlassDeps): { onSuspend(m: HubSuspend): void; onResume(m: HubResume): void } {
  return {
    onSuspend(m: HubSuspend): void {
      // The frame was checked with zod already; a duration it let through always parses.
      const forMs = suspendForMs(m.for);
      if (forMs === null) return;
      const state = deps.suspension.suspend(forMs, m.reason, m.by);
      deps.logger.warn({ until: state.until, reason: m.reason, by: m.by }, 'suspended from the hub');
    },
    onResume(m: HubResume): void {
      const resumed = deps.suspension.resume(`resumed by ${m.by}`, m.by);
      deps.logger.info({ by: m.by, resumed }, 'hub asked to resume');
      if (resumed) deps.syncAfterResume();
    },
  };
}
