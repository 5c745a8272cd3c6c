// Decides whether a fetched head may be applied at all: its signature (source.verify.mode: head)
// and, unless source.allowRewind, that it does not take the host back to an older commit.

import { MoorError } from '../contracts/errors.js';
import type { Logger } from '../logger.js';
import type { EventSink } from '../contracts/events.js';
import type { CommitFactsReader } from '../source/commit-facts.js';
import type { Store } from '../store/store.js';

export type GateVerdict = { ok: true; signer: string | null } | { ok: false; code: 'UNSIGNED' | 'BAD_SIGNATURE' | 'REWIND'; reason: string };

export type CommitGate = (commit: string, applied: string | null) => Promise<GateVerdict>;

export interface CommitGateOptions {
  verify: { mode: 'off' | 'head'; keysFile: string | null };
  allowRewind: boolean;
}

/** `facts`: what git says of the commit (source/commit-facts.ts), read where the git objects are. */
export function createCommitGate(deps: { store: Store; facts: CommitFactsReader }, options: CommitGateOptions): CommitGate {
  return async (commit, applied) => {
    if (options.verify.mode === 'head' && !options.verify.keysFile) return { ok: false, code: 'BAD_SIGNATURE', reason: 'verify.mode is head, but no keysFile is set' };
    const mayRewind = !options.allowRewind && applied !== null && applied !== commit;
    // A commit this host applied before, and then moved on from, is behind us without asking git.
    const seenBefore = mayRewind && wasLeftBehind(deps.store, commit);
    const needsGit = options.verify.mode === 'head' || (mayRewind && !seenBefore);
    const facts = needsGit ? await deps.facts(commit, applied) : null;
    const v = facts?.signature;
    if (v && !v.valid) return { ok: false, code: v.signed ? 'BAD_SIGNATURE' : 'UNSIGNED', reason: v.reason };
    if (mayRewind && applied && (seenBefore || facts?.behindApplied === true)) {
      return {
        ok: false,
        code: 'REWIND',
        reason: `${commit.slice(0, 12)} is older than the applied ${applied.slice(0, 12)} (a replay or a rewind); set source.allowRewind to accept it`,
      };
    }
    return { ok: true, signer: v?.signer ?? null };
  };
}

function wasLeftBehind(store: Store, commit: string): boolean {
  const seen = store.revision(commit);
  return seen !== null && (seen.verdict === 'applied' || seen.verdict === 'rolled-back' || seen.verdict === 'failed');
}

/** Runs the gate on a new head; a refusal is recorded, reported and returned (null: go ahead). */
export async function admitCommit(
  deps: { checkCommit?: CommitGate; store: Store; events: EventSink; logger: Logger },
  head: string,
  applied: string | null,
): Promise<MoorError | null> {
  if (!deps.checkCommit) return null;
  const verdict = await deps.checkCommit(head, applied);
  if (verdict.ok) {
    if (verdict.signer) deps.store.setVerdict(head, 'seen', { signer: verdict.signer });
    return null;
  }
  const error = new MoorError(verdict.code, `commit ${head.slice(0, 12)} refused: ${verdict.reason}`, { handling: 'commit', data: { commit: head } });
  deps.store.setVerdict(head, 'refused', { error: error.toJSON() });
  deps.events.emit({ type: 'commit.refused', commit: head, reason: verdict.reason });
  deps.logger.error({ commit: head, code: verdict.code, reason: verdict.reason }, 'commit refused; keeping the current state');
  return error;
}
