// Decides whether a fetched head may be applied at all: its signature (source.verify.mode: head)
// and, unless source.allowRewind, that it does not take the host back to an older commit.

import type * as nodeFs from 'node:fs';
import { MoorError } from '../contracts/errors.js';
import type { Logger } from '../logger.js';
import type { EventSink } from '../contracts/events.js';
import type { Store } from '../store/store.js';

export type GateVerdict = { ok: true; signer: string | null } | { ok: false; code: 'UNSIGNED' | 'BAD_SIGNATURE' | 'REWIND'; reason: string };

export type CommitGate = (commit: string, applied: string | null) => Promise<GateVerdict>;

export interface CommitGateOptions {
  verify: { mode: 'off' | 'head'; keysFile: string | null };
  allowRewind: boolean;
  /** Where the commit objects are: the private bare repo, or a local source repo itself. */
  gitDir: string;
}

export function createCommitGate(deps: { fs: typeof nodeFs; store: Store }, options: CommitGateOptions): CommitGate {
  return async (commit, applied) => {
    let signer: string | null = null;
    if (options.verify.mode === 'head') {
      if (!options.verify.keysFile) return { ok: false, code: 'BAD_SIGNATURE', reason: 'verify.mode is head, but no keysFile is set' };
      // openpgp is large: load it only on hosts that verify signatures.
      const { loadTrustedKeys, verifyCommitSignature } = await import('../source/verify.js');
      // Read the keys on every new commit: an operator may rotate them without a restart.
      const trusted = await loadTrustedKeys(deps, options.verify.keysFile);
      const v = await verifyCommitSignature(deps, options.gitDir, commit, trusted);
      if (!v.valid) return { ok: false, code: v.signed ? 'BAD_SIGNATURE' : 'UNSIGNED', reason: v.reason };
      signer = v.signer;
    }
    if (!options.allowRewind && applied && applied !== commit && (await isRewind(deps, options.gitDir, commit, applied))) {
      return {
        ok: false,
        code: 'REWIND',
        reason: `${commit.slice(0, 12)} is older than the applied ${applied.slice(0, 12)} (a replay or a rewind); set source.allowRewind to accept it`,
      };
    }
    return { ok: true, signer };
  };
}

async function isRewind(deps: { fs: typeof nodeFs; store: Store }, gitDir: string, commit: string, applied: string): Promise<boolean> {
  // A commit this host applied before, and then moved on from, is behind us.
  const seen = deps.store.revision(commit);
  if (seen && (seen.verdict === 'applied' || seen.verdict === 'rolled-back' || seen.verdict === 'failed')) return true;
  // Otherwise ask git, as far as the (possibly shallow) history here reaches.
  try {
    const git = await import('isomorphic-git');
    return await git.isDescendent({ fs: deps.fs, gitdir: gitDir, oid: applied, ancestor: commit, depth: 10_000 });
  } catch {
    return false;
  }
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
