// The host branches as they are on the remote: fetched (tips only) into a scratch bare
// repository, with each tip's commit, tree and the fleet commit its trailer names.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Git } from './git.js';

export const TRAILER = 'Moor-Fleet-Commit';
/** The tree id publish wrote, so that a later edit that keeps the message (an amend) is seen. */
export const TREE_TRAILER = 'Moor-Fleet-Tree';

export interface BranchHead {
  commit: string;
  tree: string;
  /** The `Moor-Fleet-Commit:` trailer of the tip, or null when a person committed it. */
  fleetCommit: string | null;
  /** The `Moor-Fleet-Tree:` trailer of the tip (the tree publish wrote), null on older commits. */
  publishedTree: string | null;
}

/**
 * Was the tip committed by someone other than publish? Yes when it lacks the fleet trailer, or
 * when its tree is not the one publish recorded (an amend or a copied message keeps the trailer).
 */
export function isHandEdited(head: BranchHead): boolean {
  return head.fleetCommit === null || (head.publishedTree !== null && head.publishedTree !== head.tree);
}

export interface Scratch {
  gitDir: string;
  heads: ReadonlyMap<string, BranchHead>;
  remove(): Promise<void>;
}

/** `hosts/{host}` -> `hosts/*`, the refspec glob that matches every host branch. */
export function branchGlob(template: string): string {
  return template.replace('{host}', '*');
}

export async function fetchHostBranches(git: Git, remote: string, template: string, env: NodeJS.ProcessEnv): Promise<Scratch> {
  const dir = await mkdtemp(path.join(tmpdir(), 'moor-fleet-'));
  const gitDir = path.join(dir, 'scratch.git');
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await git.run(['init', '-q', '--bare', gitDir]);
    const glob = branchGlob(template);
    // A fetch whose glob matches nothing fails, so ask first what the remote has.
    const listed = await git.run(['-C', gitDir, 'ls-remote', '--heads', remote, `refs/heads/${glob}`], { env });
    if (listed.stdout.trim() !== '') {
      await git.run(['-C', gitDir, 'fetch', '-q', '--no-tags', '--depth=1', remote, `+refs/heads/${glob}:refs/remotes/fleet/${glob}`], { env });
    }
    const refs = await git.run(['-C', gitDir, 'for-each-ref', '--format=%(objectname) %(tree) %(refname)', 'refs/remotes/fleet/']);
    const heads = new Map<string, BranchHead>();
    const lines = refs.stdout.split('\n').filter((l) => l !== '');
    const trailers = await readTrailers(git, gitDir, lines.map((l) => l.split(' ')[0] ?? ''));
    for (const line of lines) {
      const [commit = '', tree = '', ref = ''] = line.split(' ');
      const t = trailers.get(commit);
      heads.set(ref.slice('refs/remotes/fleet/'.length), { commit, tree, fleetCommit: t?.fleetCommit ?? null, publishedTree: t?.tree ?? null });
    }
    return { gitDir, heads, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

async function readTrailers(git: Git, gitDir: string, commits: string[]): Promise<Map<string, { fleetCommit: string | null; tree: string | null }>> {
  const out = new Map<string, { fleetCommit: string | null; tree: string | null }>();
  if (commits.length === 0) return out;
  const key = (k: string): string => `%(trailers:key=${k},valueonly,separator=%x2C)`;
  const log = await git.run(['-C', gitDir, 'log', '--no-walk=unsorted', '--stdin', `--format=%H%x09${key(TRAILER)}%x09${key(TREE_TRAILER)}`], { input: `${commits.join('\n')}\n` });
  const first = (value: string | undefined): string | null => value?.split(',')[0]?.trim() || null;
  for (const line of log.stdout.split('\n')) {
    const [commit, fleetCommit, tree] = line.split('\t');
    if (commit) out.set(commit, { fleetCommit: first(fleetCommit), tree: first(tree) });
  }
  return out;
}

/** Writes a commit's tree into `dir` (for planning against what the branch holds). */
export async function checkoutTree(git: Git, gitDir: string, commit: string, dir: string): Promise<void> {
  await git.run(['--git-dir', gitDir, '--work-tree', dir, 'checkout', '-q', '-f', commit, '--', '.'], { env: { GIT_INDEX_FILE: path.join(dir, '..', `.index-${path.basename(dir)}`) } });
}
