// The hub's suspend and resume frames, applied exactly as `moor suspend` and `moor resume` are:
// the same store record, expiry and events, with who asked (`hub:<operator>`) kept alongside.

import { parseDuration } from './config-text/duration.js';
import type { Logger } from './logger.js';
import type { Suspension } from './reconciler/suspension.js';
import { DEFAULT_SUSPEND_FOR, SUSPEND_LIMITS } from './contracts/hub-protocol.js';
import type { HubResume, HubSuspend } from './reporter/reporter.js';

export interface BreakGlassDeps {
  suspension: Suspension;
  logger: Logger;
  /** Runs after a resume that lifted a suspension, as `moor resume` does. */
  syncAfterResume: () => void;
}

/** A suspension's length in ms, or null when `text` is not a duration longer than 0 and at most 30 days. */
export function suspendForMs(text: string | undefined): number | null {
  const ms = parseDuration(text ?? DEFAULT_SUSPEND_FOR);
  return ms !== null && ms > 0 && ms <= SUSPEND_LIMITS.maxMs ? ms : null;
}

export function hubBreakGlass(deps: BreakGlassDeps): { onSuspend(m: HubSuspend): string | null; onResume(m: HubResume): void } {
  return {
    /** Null when applied; otherwise why not, for the refusal the hub gets. */
    onSuspend(m: HubSuspend): string | null {
      const forMs = suspendForMs(m.for);
      if (forMs === null) return `for: ${m.for ?? ''} is not a duration up to 30d`;
      const state = deps.suspension.suspend(forMs, m.reason, m.by);
      deps.logger.warn({ until: state.until, reason: m.reason, by: m.by }, 'suspended from the hub');
      return null;
    },
    onResume(m: HubResume): void {
      const resumed = deps.suspension.resume(`resumed by ${m.by}`, m.by);
      deps.logger.info({ by: m.by, resumed }, 'hub asked to resume');
      if (resumed) deps.syncAfterResume();
    },
  };
}
