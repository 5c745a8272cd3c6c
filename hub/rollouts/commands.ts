// PURE: an operator's pause, resume and abort [--revert] applied to a rollout: the new state and
// the effects (a revert to push). Refuses what the rollout's status does not allow.

import { draft, note, update, waveRange } from './ledger.js';
import type { Rollout } from './model.js';
import type { Command, Decision } from './decision.js';

export class RolloutCommandError extends Error {
  readonly code = 'ROLLOUT_COMMAND';
  constructor(message: string) {
    super(message);
    this.name = 'RolloutCommandError';
  }
}

function resume(r: Rollout, now: number, by: string): void {
  r.status = 'running';
  // Time spent paused does not count against hosts still waiting (only the current wave has any).
  const [start, end] = waveRange(r, r.wave);
  r.checkTimeoutsAt = null;
  for (let i = start; i < end; i++) {
    const h = r.hosts[i];
    if (h?.phase === 'waiting' && h.publishedAt !== null) update(r, i, { publishedAt: now });
  }
  note(r, now, `resumed by ${by}`);
}

function abort(r: Rollout, revert: boolean, now: number, by: string): string[] {
  const hosts: string[] = [];
  r.status = revert ? 'reverting' : 'aborted';
  for (let i = 0; i < r.hosts.length; i++) {
    const h = r.hosts[i];
    if (!h) continue;
    if (h.phase === 'pending' || (revert && h.phase === 'publishing')) update(r, i, { phase: 'skipped', reason: 'rollout aborted' });
    if (revert && (h.phase === 'waiting' || h.phase === 'done' || h.phase === 'failed') && h.previous !== null && h.commit !== null && h.commit !== h.previous) {
      update(r, i, { phase: 'reverting', revertCommit: null, publishedAt: null });
      hosts.push(h.host);
    }
  }
  if (revert) r.checkTimeoutsAt = null;
  note(r, now, revert ? `aborted by ${by}, reverting ${hosts.length} host(s)` : `aborted by ${by}`);
  return hosts;
}

/** pause, resume, abort [--revert]: the new state and the effects (a revert to push). */
export function command(rollout: Rollout, cmd: Command, now: number, by: string): Decision {
  const r = draft(rollout);
  const refuse = (why: string): never => {
    throw new RolloutCommandError(`cannot ${cmd.kind} rollout ${r.id}: ${why}`);
  };
  if (cmd.kind === 'pause') {
    if (r.status !== 'running') refuse(`it is ${r.status}`);
    r.status = 'paused';
    note(r, now, `paused by ${by}`);
    return { rollout: r, effects: [] };
  }
  if (cmd.kind === 'resume') {
    if (r.status !== 'paused') refuse(`it is ${r.status}${r.status === 'halted' ? ' (abort it, or abort --revert)' : ''}`);
    resume(r, now, by);
    return { rollout: r, effects: [] };
  }
  if (!['running', 'paused', 'halted'].includes(r.status) && !(cmd.revert && (r.status === 'completed' || r.status === 'aborted'))) refuse(`it is ${r.status}`);
  const hosts = abort(r, cmd.revert, now, by);
  return { rollout: r, effects: hosts.length > 0 ? [{ kind: 'revert', hosts }] : [] };
}
