// What git says about a fetched commit, for the commit gate (reconciler/commit-gate.ts): its
// signature checked against the trusted keys (verify.mode: head), and whether the applied commit
// descends from it (a rewind). Read where the git objects are: by the checkout child right after
// its export (the daemon never loads isomorphic-git or openpgp), in process by the one-shot verbs.

import type * as nodeFs from 'node:fs';
import type { SignatureVerdict } from './verify.js';

export interface CommitFacts {
  commit: string;
  applied: string | null;
  /** Null unless verify.mode is head with a keysFile. */
  signature: SignatureVerdict | null;
  /** The applied commit descends from this one, as far as the (possibly shallow) history here reaches. */
  behindApplied: boolean;
}

export interface CommitFactsOptions {
  /** Where the commit objects are: the private bare repo, or a local source repo itself. */
  gitDir: string;
  verify: { mode: 'off' | 'head'; keysFile: string | null };
  allowRewind: boolean;
}

/** How the gate asks for the facts of `commit` against the `applied` one. */
export type CommitFactsReader = (commit: string, applied: string | null) => Promise<CommitFacts>;

export async function readCommitFacts(deps: { fs: typeof nodeFs }, options: CommitFactsOptions, commit: string, applied: string | null): Promise<CommitFacts> {
  let signature: SignatureVerdict | null = null;
  if (options.verify.mode === 'head' && options.verify.keysFile) {
    // openpgp is large: loaded only where signatures are verified.
    const { loadTrustedKeys, verifyCommitSignature } = await import('./verify.js');
    // Read the keys on every new commit: an operator may rotate them without a restart.
    const trusted = await loadTrustedKeys(deps, options.verify.keysFile);
    signature = await verifyCommitSignature(deps, options.gitDir, commit, trusted);
  }
  const behindApplied = !options.allowRewind && applied !== null && applied !== commit && (await descends(deps, options.gitDir, applied, commit));
  return { commit, applied, signature, behindApplied };
}

async function descends(deps: { fs: typeof nodeFs }, gitDir: string, oid: string, ancestor: string): Promise<boolean> {
  try {
    const git = await import('isomorphic-git');
    return await git.isDescendent({ fs: deps.fs, gitdir: gitDir, oid, ancestor, depth: 10_000 });
  } catch {
    return false; // history that does not reach that far proves nothing
  }
}
