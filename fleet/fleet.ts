// The fleet layer's operations on a checkout: load and interpret the definition, render every
// (selected) host, validate each rendered tree with the agent's own loader, write trees out.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigProblem } from '../agent/contracts/errors.js';
import { formatProblem } from '../agent/contracts/errors.js';
import { DEFAULT_PROJECTS_DIR, validateDir } from '../agent/desired/load.js';
import { ServiceMemo } from '../agent/desired/compose/service-memo.js';
import { ProblemList } from '../agent/config-text/problems.js';
import type { PolicySettings } from '../agent/desired/policy-settings.js';
import { parseFleet, type Fleet, type HostDef } from './definition.js';
import { readFleetSource } from './read-source.js';
import { createRenderer, type RenderedHost } from './render.js';
import { matches, type Selector } from './selector.js';
import type { FleetSource } from './source.js';
import { treeDir, treeKey, YamlParses } from './tree-dir.js';

export class FleetInvalidError extends Error {
  readonly code = 'FLEET_INVALID';
  constructor(readonly problems: ConfigProblem[]) {
    super(`the fleet definition has ${problems.length} problem(s)`);
    this.name = 'FleetInvalidError';
  }
}

export interface HostFilter {
  host?: string;
  selector?: Selector;
}

export interface LoadedFleet {
  fleet: Fleet;
  source: FleetSource;
}

export async function loadFleet(repo: string): Promise<LoadedFleet> {
  const source = await readFleetSource(repo);
  const problems = new ProblemList();
  const fleet = parseFleet(source, problems);
  if (!problems.empty) throw new FleetInvalidError(dedupe(problems.items));
  return { fleet, source };
}

export function selectHosts(fleet: Fleet, filter: HostFilter): HostDef[] {
  return fleet.hosts.filter((h) => (filter.host === undefined || h.name === filter.host) && (filter.selector === undefined || matches(filter.selector, h.labels)));
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Renders the selected hosts in memory (pure); throws FleetInvalidError listing every problem. */
export function renderAll(loaded: LoadedFleet, filter: HostFilter, policy: PolicySettings): RenderedHost[] {
  const problems = new ProblemList();
  const hosts = selectHosts(loaded.fleet, filter);
  if (filter.host !== undefined && hosts.length === 0) problems.push({ file: `hosts/${filter.host}.yaml`, line: 1, key: '', message: `no host ${filter.host} in the fleet` });
  const renderer = createRenderer(loaded.fleet, loaded.source.stacks, { policy }, problems);
  const rendered = hosts.map((h) => renderer.render(h));
  if (!problems.empty) throw new FleetInvalidError(dedupe(problems.items));
  return rendered;
}

export async function writeTree(dir: string, tree: ReadonlyMap<string, Buffer>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [rel, data] of tree) {
    const abs = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, data);
  }
}

/**
 * Checks rendered trees as the agent will (`moor validate`'s loader), each in memory as the
 * tree render writes (see tree-dir.ts); problems name the host. Trees that differ only in the
 * host named by moor.yaml's header are checked once (see treeKey).
 */
export async function validateRendered(hosts: readonly RenderedHost[], policy: PolicySettings): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  const parses = new YamlParses();
  const known = new Map<string, ConfigProblem[]>();
  // Services that are the same text with the same values in many trees are normalised once.
  const serviceMemo = new ServiceMemo(policy);
  for (const h of hosts) {
    const key = treeKey(h.tree);
    let found = known.get(key);
    if (found === undefined) known.set(key, (found = await validateDir(treeDir(`rendered/${h.host}`, h.tree, parses), { policy, projectsDir: DEFAULT_PROJECTS_DIR, serviceMemo })));
    for (const p of found) problems.push({ ...p, file: `${h.host} (rendered): ${p.file}` });
  }
  return problems;
}

/** Renders and validates; throws FleetInvalidError when anything is wrong. */
export async function renderChecked(loaded: LoadedFleet, filter: HostFilter, policy: PolicySettings): Promise<RenderedHost[]> {
  const hosts = renderAll(loaded, filter, policy);
  const problems = await validateRendered(hosts, policy);
  if (problems.length > 0) throw new FleetInvalidError(problems);
  return hosts;
}
