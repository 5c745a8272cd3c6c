// `moor fleet plan`: renders every selected host and compares each with what its branch holds
// on the remote, explaining the difference with the agent's own loader and field diff.

import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidConfigError } from '../agent/contracts/errors.js';
import { DEFAULT_PROJECTS_DIR, loadDesiredState } from '../agent/desired/load.js';
import { emptyDesiredState, type DesiredState } from '../agent/desired/model.js';
import { isRecord } from '../agent/desired/compose/interpolate.js';
import { parseYaml } from '../agent/config-text/yaml-file.js';
import type { PolicySettings } from '../agent/desired/policy-settings.js';
import { diffDesired, summarise, type HostChange } from './diff.js';
import { writeTree } from './fleet.js';
import { gitTree, writeLooseObjects } from './git-objects.js';
import type { Git } from './git.js';
import { checkoutTree, fetchHostBranches, isHandEdited } from './host-branches.js';
import type { RenderedHost } from './render.js';

export interface HostPlan {
  host: string;
  branch: string;
  state: 'unchanged' | 'changes' | 'new-branch' | 'hand-edited';
  changes: HostChange[];
}

export interface FleetPlan {
  hosts: HostPlan[];
  summary: ReturnType<typeof summarise>;
}

async function load(dir: string, policy: PolicySettings): Promise<DesiredState | null> {
  try {
    return await loadDesiredState(dir, { policy, projectsDir: DEFAULT_PROJECTS_DIR });
  } catch (err) {
    if (err instanceof InvalidConfigError) return null;
    throw err;
  }
}

async function changedPaths(git: Git, gitDir: string, from: string, to: string): Promise<HostChange[]> {
  const r = await git.run(['-C', gitDir, 'diff-tree', '-r', '--name-status', from, to]);
  const verb: Record<string, string> = { A: 'added', D: 'removed', M: 'changed' };
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [status = 'M', file = ''] = l.split('\t');
      const line = `${file} ${verb[status[0] ?? 'M'] ?? 'changed'}`;
      return { summary: line, detail: line };
    });
}

async function labelsIn(dir: string): Promise<Record<string, unknown>> {
  const text = await readFile(path.join(dir, 'moor.yaml'), 'utf8').catch(() => '');
  const parsed = parseYaml('moor.yaml', text);
  return parsed.ok && isRecord(parsed.yaml.value) && isRecord(parsed.yaml.value.labels) ? parsed.yaml.value.labels : {};
}

function labelChanges(from: Record<string, unknown>, to: Record<string, string>): HostChange[] {
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return keys
    .filter((k) => String(from[k] ?? '') !== (to[k] ?? '') || (k in from) !== (k in to))
    .map((k) => ({ summary: `label ${k} changed`, detail: `label ${k}: ${k in from ? String(from[k]) : '(unset)'} -> ${to[k] ?? '(unset)'}` }));
}

export async function planFleet(git: Git, hosts: readonly RenderedHost[], options: { remote: string; remoteEnv: NodeJS.ProcessEnv; hostBranchTemplate: string; policy: PolicySettings }): Promise<FleetPlan> {
  const scratch = await fetchHostBranches(git, options.remote, options.hostBranchTemplate, options.remoteEnv);
  const work = await mkdtemp(path.join(tmpdir(), 'moor-fleet-plan-'));
  try {
    const plans: HostPlan[] = [];
    for (const h of hosts) {
      const tree = gitTree(h.tree);
      const head = scratch.heads.get(h.branch);
      const base = { host: h.host, branch: h.branch };
      if (head && head.tree === tree.id) {
        plans.push({ ...base, state: 'unchanged', changes: [] });
        continue;
      }
      const nextDir = path.join(work, h.host, 'next');
      await writeTree(nextDir, h.tree);
      const next = (await load(nextDir, options.policy)) ?? emptyDesiredState();
      let prev = emptyDesiredState();
      let prevLabels: Record<string, unknown> = {};
      if (head) {
        const prevDir = path.join(work, h.host, 'prev');
        await mkdir(prevDir, { recursive: true });
        await checkoutTree(git, scratch.gitDir, head.commit, prevDir);
        prev = (await load(prevDir, options.policy)) ?? prev;
        prevLabels = await labelsIn(prevDir);
      }
      let changes = [...diffDesired(prev, next), ...labelChanges(prevLabels, h.labels)];
      if (changes.length === 0 && head) {
        await writeLooseObjects(scratch.gitDir, tree.objects);
        changes = await changedPaths(git, scratch.gitDir, head.tree, tree.id);
      }
      if (!head) changes = [{ summary: 'new host branch', detail: `new branch ${h.branch}` }, ...changes];
      const state = !head ? 'new-branch' : isHandEdited(head) ? 'hand-edited' : 'changes';
      plans.push({ ...base, state, changes });
      await rm(path.join(work, h.host), { recursive: true, force: true });
    }
    const summary = summarise(new Map(plans.filter((p) => p.changes.length > 0).map((p) => [p.host, p.changes])));
    return { hosts: plans, summary };
  } finally {
    await rm(work, { recursive: true, force: true });
    await scratch.remove();
  }
}
