// `moor fleet publish`: one fast-forward commit per host branch whose tree changed, naming the
// fleet commit in a `Moor-Fleet-Commit:` trailer, optionally SSH-signed; host branches a
// person changed since the last publish are left alone unless taken over with --force-host.

import { gitTree, writeLooseObjects } from './git-objects.js';
import type { Git } from './git.js';
import { fetchHostBranches, isHandEdited, TRAILER, TREE_TRAILER, type BranchHead } from './host-branches.js';
import type { RenderedHost } from './render.js';

export interface FleetCommit {
  id: string;
  subject: string;
  authorName: string;
  authorEmail: string;
  authorDate: string;
}

export type PublishStatus = 'unchanged' | 'published' | 'created' | 'hand-edited' | 'rejected';

export interface HostPublishResult {
  host: string;
  branch: string;
  status: PublishStatus;
  commit: string | null;
  detail: string;
}

export interface PublishOptions {
  remote: string;
  remoteEnv: NodeJS.ProcessEnv;
  fleetCommit: FleetCommit;
  hostBranchTemplate: string;
  signKeyFile: string | null;
  forceHosts: ReadonlySet<string>;
}

export async function readFleetCommit(git: Git, repo: string): Promise<FleetCommit> {
  const r = await git.run(['-C', repo, 'log', '-1', '--format=%H%n%an%n%ae%n%aI%n%s', 'HEAD']);
  const [id = '', authorName = '', authorEmail = '', authorDate = '', subject = ''] = r.stdout.split('\n');
  return { id, subject, authorName, authorEmail, authorDate };
}

export function commitMessage(host: RenderedHost, fleet: FleetCommit, tree: string): string {
  return [
    `fleet: ${host.host} from ${fleet.id.slice(0, 12)}`,
    '',
    `Rendered by moor fleet from fleet commit ${fleet.id}`,
    `("${fleet.subject}"), stacks: ${host.stacks.join(', ') || '(none)'}.`,
    '',
    `${TRAILER}: ${fleet.id}`,
    `${TREE_TRAILER}: ${tree}`,
    '',
  ].join('\n');
}

async function makeCommit(git: Git, gitDir: string, tree: string, parent: BranchHead | undefined, message: string, options: PublishOptions): Promise<string> {
  const sign = options.signKeyFile ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${options.signKeyFile}`] : [];
  const args = [...sign, '-C', gitDir, 'commit-tree', tree, ...(parent ? ['-p', parent.commit] : []), ...(options.signKeyFile ? ['-S'] : []), '-F', '-'];
  const c = options.fleetCommit;
  const env: NodeJS.ProcessEnv = {
    GIT_AUTHOR_NAME: c.authorName || 'moor fleet',
    GIT_AUTHOR_EMAIL: c.authorEmail || 'moor@localhost',
    GIT_AUTHOR_DATE: c.authorDate || undefined,
    GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'moor fleet',
    GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'moor@localhost',
  };
  return (await git.run(args, { input: message, env })).stdout.trim();
}

function handEditEvidence(head: BranchHead): string {
  const tip = head.commit.slice(0, 12);
  if (head.fleetCommit === null) return `its tip ${tip} has no ${TRAILER} trailer`;
  return `its tip ${tip} has tree ${head.tree.slice(0, 12)}, not the ${head.publishedTree?.slice(0, 12) ?? '?'} publish wrote`;
}

/** Parses `git push --porcelain`: ref -> (flag, summary). */
function pushOutcome(stdout: string): Map<string, { ok: boolean; summary: string }> {
  const out = new Map<string, { ok: boolean; summary: string }>();
  for (const line of stdout.split('\n')) {
    const m = /^(.)\t[^:]*:(refs\/heads\/\S+)\t(.*)$/.exec(line);
    if (m?.[2]) out.set(m[2].slice('refs/heads/'.length), { ok: m[1] !== '!', summary: m[3] ?? '' });
  }
  return out;
}

export async function publishFleet(git: Git, hosts: readonly RenderedHost[], options: PublishOptions): Promise<HostPublishResult[]> {
  const scratch = await fetchHostBranches(git, options.remote, options.hostBranchTemplate, options.remoteEnv);
  try {
    const results: HostPublishResult[] = [];
    const refspecs: string[] = [];
    for (const h of hosts) {
      const tree = gitTree(h.tree);
      const head = scratch.heads.get(h.branch);
      const base = { host: h.host, branch: h.branch };
      if (head && head.tree === tree.id) {
        results.push({ ...base, status: 'unchanged', commit: head.commit, detail: 'tree already up to date' });
        continue;
      }
      if (head && isHandEdited(head) && !options.forceHosts.has(h.host)) {
        results.push({ ...base, status: 'hand-edited', commit: head.commit, detail: `${h.branch} was changed by hand since the last publish (${handEditEvidence(head)}); left alone: review it, then publish with --force-host ${h.host}` });
        continue;
      }
      await writeLooseObjects(scratch.gitDir, tree.objects);
      const commit = await makeCommit(git, scratch.gitDir, tree.id, head, commitMessage(h, options.fleetCommit, tree.id), options);
      refspecs.push(`${commit}:refs/heads/${h.branch}`);
      results.push({ ...base, status: head ? 'published' : 'created', commit, detail: head ? `fast-forward from ${head.commit.slice(0, 12)}` : 'new branch' });
    }
    if (refspecs.length > 0) {
      // Never --force: the server refuses anything that is not a fast-forward.
      const push = await git.run(['-C', scratch.gitDir, 'push', '--porcelain', options.remote, ...refspecs], { env: options.remoteEnv, allowFail: true });
      const outcome = pushOutcome(push.stdout);
      for (const r of results) {
        if (r.status !== 'published' && r.status !== 'created') continue;
        const o = outcome.get(r.branch);
        if (!o || !o.ok) Object.assign(r, { status: 'rejected', detail: `push refused: ${o?.summary ?? push.stderr.trim().split('\n').slice(-1)[0] ?? 'unknown'}` });
      }
    }
    return results;
  } finally {
    await scratch.remove();
  }
}
