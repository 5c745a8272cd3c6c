// The rollout engine's access to the config repo, with the hub's own credentials: a checkout of
// the fleet commit, rendering through fleet/, publishing through fleet/publish, and reverts
// (a forward commit carrying the previous tree, since agents refuse rewinds).

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPolicy } from '../../agent/desired/default-policy.js';
import { loadFleet, renderChecked, type LoadedFleet } from '../../fleet/fleet.js';
import { remoteEnv, systemGit, type Git, type RemoteAuth } from '../../fleet/git.js';
import { fetchHostBranches, TRAILER, TREE_TRAILER } from '../../fleet/host-branches.js';
import { publishFleet, readFleetCommit, type FleetCommit } from '../../fleet/publish.js';
import type { RenderedHost } from '../../fleet/render.js';
import type { RolloutDefaults } from '../../fleet/definition.js';
import { parseSelector } from '../../fleet/selector.js';
import type { PublishResult } from './planner.js';
import type { BranchTip } from './recovery.js';
import { readBranchTips } from './repo-tips.js';

export interface FleetRepoSettings {
  /** URL (or path) of the config repo. */
  repo: string;
  /** The fleet branch. */
  branch: string;
  auth: RemoteAuth;
  signKeyFile: string | null;
}

export interface PreparedHost {
  host: string;
  branch: string;
  labels: Record<string, string>;
}

/** A fleet commit checked out and rendered: who is selected, and fleet.yaml's rollout defaults. */
export interface PreparedCommit {
  commit: FleetCommit;
  defaults: RolloutDefaults;
  hosts: PreparedHost[];
}

/** What the runner needs from the config repo; the simulation benchmark swaps in its own. */
export interface RolloutRepo {
  /** Checks out `commit` (default: the fleet branch head), renders and validates the selected hosts. */
  prepare(commit: string | null, selector: string): Promise<PreparedCommit>;
  publish(prepared: PreparedCommit, hosts: readonly string[]): Promise<PublishResult[]>;
  revert(targets: readonly { host: string; branch: string; previous: string }[], label: string): Promise<{ host: string; commit: string | null; detail: string }[]>;
  /** The tips of the hosts' branches (hosts without a branch are left out). */
  tips(prepared: PreparedCommit, hosts: readonly string[]): Promise<Map<string, BranchTip>>;
}

export function gitRolloutRepo(settings: FleetRepoSettings, git: Git = systemGit()): RolloutRepo {
  const env = (): Promise<NodeJS.ProcessEnv> => remoteEnv(settings.auth);
  // The rendered trees of each prepared commit, kept here: the runner only sees hosts and labels.
  const trees = new WeakMap<PreparedCommit, { loaded: LoadedFleet; rendered: RenderedHost[] }>();
  return {
    async prepare(commit, selector) {
      const dir = await mkdtemp(path.join(tmpdir(), 'moor-rollout-'));
      try {
        const e = await env();
        await git.run(['clone', '-q', '--no-checkout', '--branch', settings.branch, settings.repo, dir], { env: e });
        await git.run(['-C', dir, 'checkout', '-q', '--detach', commit ?? 'HEAD'], { env: e });
        const loaded = await loadFleet(dir);
        const rendered = await renderChecked(loaded, { selector: parseSelector(selector) }, defaultPolicy());
        const prepared: PreparedCommit = {
          commit: await readFleetCommit(git, dir),
          defaults: loaded.fleet.rollout,
          hosts: rendered.map((h) => ({ host: h.host, branch: h.branch, labels: h.labels })),
        };
        trees.set(prepared, { loaded, rendered });
        return prepared;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async publish(prepared, hosts) {
      const kept = trees.get(prepared);
      if (!kept) throw new Error('publish of a commit this repo did not prepare');
      const wanted = new Set(hosts);
      const rendered = kept.rendered.filter((h) => wanted.has(h.host));
      const e = await env();
      const before = await fetchHostBranches(git, settings.repo, kept.loaded.fleet.hostBranch, e);
      const previous = new Map([...before.heads].map(([branch, head]) => [branch, head.commit]));
      await before.remove();
      const results = await publishFleet(git, rendered, {
        remote: settings.repo,
        remoteEnv: e,
        fleetCommit: prepared.commit,
        hostBranchTemplate: kept.loaded.fleet.hostBranch,
        signKeyFile: settings.signKeyFile,
        forceHosts: new Set(),
      });
      return results.map((r) => ({ host: r.host, status: r.status, commit: r.commit, previous: previous.get(r.branch) ?? null, detail: r.detail }));
    },
    async revert(targets, label) {
      return revertBranches(git, settings, await env(), targets, label);
    },
    async tips(prepared, hosts) {
      const wanted = new Set(hosts);
      return readBranchTips(git, settings.repo, await env(), new Map(prepared.hosts.filter((h) => wanted.has(h.host)).map((h) => [h.host, h.branch])));
    },
  };
}

async function revertBranches(git: Git, settings: FleetRepoSettings, e: NodeJS.ProcessEnv, targets: readonly { host: string; branch: string; previous: string }[], label: string): Promise<{ host: string; commit: string | null; detail: string }[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'moor-revert-'));
  const gitDir = path.join(dir, 'scratch.git');
  try {
    await mkdir(gitDir);
    await git.run(['init', '-q', '--bare', gitDir]);
    // Full history of the host branches involved: the previous tips must be there.
    await git.run(['-C', gitDir, 'fetch', '-q', '--no-tags', settings.repo, ...targets.map((t) => `+refs/heads/${t.branch}:refs/heads/${t.branch}`)], { env: e });
    const out: { host: string; commit: string | null; detail: string }[] = [];
    const refspecs: string[] = [];
    for (const t of targets) {
      const head = (await git.run(['-C', gitDir, 'rev-parse', `refs/heads/${t.branch}`])).stdout.trim();
      const tree = (await git.run(['-C', gitDir, 'rev-parse', `${t.previous}^{tree}`])).stdout.trim();
      const headTree = (await git.run(['-C', gitDir, 'rev-parse', `${head}^{tree}`])).stdout.trim();
      if (tree === headTree) {
        out.push({ host: t.host, commit: head, detail: 'already on the previous tree' });
        continue;
      }
      const trailer = (await git.run(['-C', gitDir, 'log', '-1', `--format=%(trailers:key=${TRAILER},valueonly)`, t.previous])).stdout.trim() || 'revert';
      const message = `fleet: revert ${t.host} to ${t.previous.slice(0, 12)}\n\n${label}: puts back the tree of ${t.previous}.\n\n${TRAILER}: ${trailer}\n${TREE_TRAILER}: ${tree}\n`;
      const sign = settings.signKeyFile ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${settings.signKeyFile}`] : [];
      const commit = (await git.run([...sign, '-C', gitDir, 'commit-tree', tree, '-p', head, ...(settings.signKeyFile ? ['-S'] : []), '-F', '-'], {
        input: message,
        env: { GIT_AUTHOR_NAME: 'moor hub', GIT_AUTHOR_EMAIL: 'moor@localhost', GIT_COMMITTER_NAME: 'moor hub', GIT_COMMITTER_EMAIL: 'moor@localhost' },
      })).stdout.trim();
      refspecs.push(`${commit}:refs/heads/${t.branch}`);
      out.push({ host: t.host, commit, detail: `forward commit on ${t.branch}` });
    }
    if (refspecs.length > 0) {
      const push = await git.run(['-C', gitDir, 'push', '--porcelain', settings.repo, ...refspecs], { env: e, allowFail: true });
      if (push.code !== 0) {
        const why = push.stderr.trim().split('\n').slice(-1)[0] ?? 'push refused';
        for (const o of out) if (o.detail.startsWith('forward')) Object.assign(o, { commit: null, detail: why });
      }
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
