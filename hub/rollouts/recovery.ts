// PURE: a hub restarted between pushing a wave and storing that it did finds hosts still marked
// `publishing`. Their host branches tell what happened: a tip carrying this rollout's fleet commit
// in its trailer, committed since the rollout began, was pushed by it (its parent is what a revert
// puts back); any other host goes back to pending and is published again.

import { draft, note, update } from './ledger.js';
import type { Rollout } from './model.js';

/** A host branch's tip as the config repo has it. */
export interface BranchTip {
  commit: string;
  /** First parent, null for the first commit of a branch. */
  parent: string | null;
  /** The fleet commit named by the tip's trailer, null when a person committed it. */
  fleetCommit: string | null;
  /** Committer time, ms since the epoch. */
  committedAt: number;
}

/** Hosts in `publishing` after a restart: the ones whose tips are this rollout's wait for their report, the rest go back to pending. */
export function recovered(rollout: Rollout, tips: ReadonlyMap<string, BranchTip>, now: number): Rollout {
  const r = draft(rollout);
  // Commit times have whole seconds.
  const since = Math.floor(Date.parse(r.createdAt) / 1000) * 1000;
  let pushed = 0;
  let again = 0;
  for (let i = 0; i < r.hosts.length; i++) {
    const h = r.hosts[i];
    if (h?.phase !== 'publishing') continue;
    const tip = tips.get(h.host);
    if (tip && tip.fleetCommit === r.spec.fleetCommit && tip.committedAt >= since && tip.commit !== h.previous) {
      update(r, i, { phase: 'waiting', commit: tip.commit, previous: h.previous ?? tip.parent, publishedAt: now });
      pushed++;
    } else {
      update(r, i, { phase: 'pending' });
      again++;
    }
  }
  if (pushed + again > 0) note(r, now, `hub restarted mid-publish: ${pushed} host branch(es) already carry this rollout's commit, ${again} to publish again`);
  return r;
}

/** Hosts a restart must look up (their branches' tips), or none. */
export function publishingHosts(r: Rollout): string[] {
  return r.hosts.filter((h) => h.phase === 'publishing').map((h) => h.host);
}

/** Whether host `i` waits for its commit (or revert) in a rollout that still runs: see waitingHosts. */
export function isWaiting(r: Rollout, i: number): boolean {
  const h = r.hosts[i];
  if (!h || (r.status !== 'running' && r.status !== 'reverting')) return false;
  if (h.phase === 'reverting') return h.revertCommit !== null;
  return h.phase === 'waiting' && h.wave === r.wave;
}

/**
 * Hosts a hub taking over a running rollout asks to sync again: the current wave's hosts waiting
 * for the pushed commit (or its revert). The hub that asked them may have died before they heard.
 */
export function waitingHosts(r: Rollout): string[] {
  return r.hosts.filter((_, i) => isWaiting(r, i)).map((h) => h.host);
}
