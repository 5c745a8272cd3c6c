// Maintenance windows in the sync loop: outside its window (and without a `Moor-Apply: now`
// trailer) a new commit is planned now and applied when the window opens; drift is still healed.

import type { DesiredState } from '../desired/model.js';
import type { Logger } from '../logger.js';
import type { EventSink } from '../contracts/events.js';
import { planOnce, type ConvergeDeps } from './converge.js';
import type { SyncOutcome } from '../contracts/sync-outcome.js';

export async function deferToWindow(
  deps: ConvergeDeps & { events: EventSink; logger: Logger },
  args: { head: string; desired: DesiredState; host: string; prune: boolean; heal: () => Promise<SyncOutcome> },
): Promise<SyncOutcome | null> {
  const { store, now } = deps;
  const { head, desired } = args;
  if (!desired.window) return null;
  // The window's cron parser (node-cron) loads only for a commit that has a window.
  const { appliesNow, windowState } = await import('../scheduler/window.js');
  if (appliesNow(store.revision(head)?.message ?? '')) return null;
  const state = windowState(desired.window, now());
  if (state.open) return null;
  const until = state.until ? state.until.toISOString() : null;
  const first = store.get('pending')?.commit !== head;
  const { plan } = await planOnce(deps, desired, { host: args.host, commit: head, prune: args.prune, pullAlways: true });
  store.set('pending', { commit: head, until, changes: plan.changes });
  if (first) {
    store.setVerdict(head, 'pending');
    deps.events.emit({ type: 'commit.pending', commit: head, until: until ?? 'never' });
    deps.logger.info({ commit: head, until, changes: plan.changes.length }, 'commit is valid; waiting for its maintenance window');
  }
  const healed = await args.heal();
  if (healed.result === 'error') return healed;
  return { ...healed, result: 'pending', commit: head, changes: plan.changes, error: null, retry: false };
}
