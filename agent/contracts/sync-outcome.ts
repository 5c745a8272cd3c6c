// The outcome of one sync, as the loop, the scheduler's backoff, `moor sync` and the control
// socket see it.

import type { ResourceChange } from './changes.js';
import type { ErrorJSON } from './errors.js';

export type SyncResult =
  | 'converged' // a new commit applied and healthy
  | 'unchanged' // nothing to do
  | 'healed' // drift put back
  | 'drift-reported' // drift seen, selfHeal off or suspended
  | 'invalid' // the head commit is invalid; the last good state keeps running
  | 'failed' // the head commit failed to apply (not rolled back)
  | 'rolled-back' // the head commit failed and the last good one was put back
  | 'rollback-failed' // the head commit failed, and the last good one could not be put back
  | 'refused' // the head commit's signature is not trusted, or it rewinds the host
  | 'pending' // valid, waiting for its maintenance window
  | 'suspended' // break-glass pause: nothing applied
  | 'error'; // something outside the commit failed (git, engine); retried with backoff

export interface SyncOutcome {
  result: SyncResult;
  commit: string | null;
  changes: ResourceChange[];
  error: ErrorJSON | null;
  /** Handling of the error, for the scheduler's backoff. */
  retry: boolean;
}
