// PURE: rollouts may run side by side when their host sets are disjoint; a new one that shares
// hosts with an unfinished rollout is refused, naming the hosts and the rollout that holds them.

import type { Rollout } from './model.js';

const FINISHED = new Set(['completed', 'aborted', 'reverted']);

/** Why a rollout of `hosts` cannot start beside `active`, or null when it can. */
export function overlapping(active: readonly Pick<Rollout, 'id' | 'status' | 'hosts'>[], hosts: readonly string[]): string | null {
  const wanted = new Set(hosts);
  for (const r of active) {
    if (FINISHED.has(r.status)) continue;
    const shared = r.hosts.filter((h) => wanted.has(h.host)).map((h) => h.host);
    if (shared.length === 0) continue;
    const named = shared.slice(0, 10).join(', ') + (shared.length > 10 ? ` and ${shared.length - 10} more` : '');
    return `${shared.length} of these host(s) are in rollout ${r.id}, which is ${r.status}: ${named}; finish or abort it first, or select other hosts`;
  }
  return null;
}
