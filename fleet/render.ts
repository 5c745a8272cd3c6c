// Renders each host's tree from the fleet definition: its groups' stacks in fleet.yaml order,
// then its own stacks, then its overrides; compose merged by compose's rules, values written
// as `.env`, units and files unioned. Pure and deterministic: same input, same bytes.

import { stringify } from 'yaml';
import { mergedLocator } from '../agent/desired/compose/merge.js';
import { isRecord } from '../agent/desired/compose/interpolate.js';
import { parseManifest } from '../agent/desired/manifest.js';
import { ProblemList, type Locator } from '../agent/config-text/problems.js';
import type { PolicySettings } from '../agent/desired/policy-settings.js';
import { mergeCompose } from './compose-merge.js';
import { hostBranch, type Fleet, type HostDef, type StackRef } from './definition.js';
import { matches } from './selector.js';
import type { StackSource } from './source.js';
import { formatDotenv } from './dotenv-out.js';

export interface RenderedHost {
  host: string;
  branch: string;
  labels: Record<string, string>;
  groups: string[];
  stacks: string[];
  /** Relative path -> content, sorted by path. */
  tree: Map<string, Buffer>;
}

export interface RenderOptions {
  policy: PolicySettings;
}

/** The stacks of a host in merge order (first mention wins its place) and the groups that gave them. */
export function hostLayers(fleet: Fleet, host: HostDef): { groups: string[]; stacks: StackRef[] } {
  const groups = fleet.groups.filter((g) => matches(g.selector, host.labels));
  const seen = new Set<string>();
  const stacks: StackRef[] = [];
  for (const ref of [...groups.flatMap((g) => g.stacks), ...host.stacks]) {
    if (seen.has(ref.name)) continue;
    seen.add(ref.name);
    stacks.push(ref);
  }
  return { groups: groups.map((g) => g.name), stacks };
}

interface Owned {
  stack: string;
  content?: string;
}

class Layering {
  readonly compose: Record<string, unknown> = {};
  private readonly services = new Map<string, string>();
  private readonly paths = new Map<string, Owned>();
  private readonly units = new Map<string, { stack: string; value: Record<string, unknown> }>();
  private readonly files = new Map<string, { stack: string; value: Record<string, unknown> }>();
  private projectName: { stack: string; name: string } | null = null;
  readonly manifest: Record<string, unknown> = {};
  readonly tree = new Map<string, Buffer>();

  constructor(
    private readonly fleet: Fleet,
    private readonly problems: ProblemList,
  ) {}

  /** May `stack` replace what `owner` defined? */
  private may(stack: string, owner: string): boolean {
    return stack === owner || (this.fleet.overrides.get(stack)?.has(owner) ?? false);
  }

  private conflict(locator: Locator, path: (string | number)[], what: string, owner: string, stack: string): void {
    this.problems.add(locator, path, `${what} is defined by stacks ${owner} and ${stack}: rename one, or declare in fleet.yaml \`stacks: { ${stack}: { overrides: [${owner}] } }\``);
  }

  addCompose(stack: StackSource): void {
    if (stack.compose.length === 0) return;
    const locator = mergedLocator(stack.compose, `stacks/${stack.name}/compose.yaml`);
    const value = stack.compose.reduce<unknown>((acc, y) => mergeCompose(acc, y.value), {});
    if (!isRecord(value)) return;
    for (const service of Object.keys(isRecord(value.services) ? value.services : {})) {
      const owner = this.services.get(service);
      if (owner !== undefined && !this.may(stack.name, owner)) this.conflict(locator, ['services', service], `service ${service}`, owner, stack.name);
      this.services.set(service, stack.name);
    }
    if (typeof value.name === 'string') {
      if (this.projectName && this.projectName.name !== value.name && !this.may(stack.name, this.projectName.stack)) {
        this.problems.add(locator, ['name'], `project name ${value.name} differs from ${this.projectName.name} of stack ${this.projectName.stack}: one host tree is one compose project`);
      }
      this.projectName = { stack: stack.name, name: value.name };
    }
    Object.assign(this.compose, mergeCompose(this.compose, value));
  }

  addFiles(stack: StackSource): void {
    for (const [rel, data] of stack.files) {
      const owner = this.paths.get(rel);
      const where = { locate: () => ({ file: `stacks/${stack.name}/${rel}`, line: 1 }) };
      if (owner && !this.may(stack.name, owner.stack) && !this.tree.get(rel)?.equals(data)) this.conflict(where, [], `${rel}`, owner.stack, stack.name);
      this.paths.set(rel, { stack: stack.name });
      this.tree.set(rel, data);
    }
  }

  /** `policy` null: the fragment was validated already (for another combination of stacks). */
  addManifest(stack: StackSource, policy: PolicySettings | null): void {
    const yaml = stack.manifest;
    if (!yaml || !isRecord(yaml.value)) return;
    if (policy) parseManifest(yaml.value, yaml, policy, this.problems);
    const m = yaml.value;
    const list = (key: 'units' | 'files', id: 'name' | 'path', into: Map<string, { stack: string; value: Record<string, unknown> }>): void => {
      const items = Array.isArray(m[key]) ? m[key] : [];
      items.forEach((item: unknown, i: number) => {
        if (!isRecord(item)) return;
        const k = String(item[id]);
        const owner = into.get(k);
        if (owner && !this.may(stack.name, owner.stack)) this.conflict(yaml, [key, i, id], `${key === 'units' ? 'unit' : 'file'} ${k}`, owner.stack, stack.name);
        into.set(k, { stack: stack.name, value: item });
      });
    };
    list('units', 'name', this.units);
    list('files', 'path', this.files);
    for (const key of ['rollout', 'prune'] as const) if (isRecord(m[key])) this.manifest[key] = { ...(isRecord(this.manifest[key]) ? this.manifest[key] : {}), ...m[key] };
    if (m.window !== undefined) this.manifest.window = m.window;
  }

  /** The rendered moor.yaml without the host's labels. */
  manifestOut(hasCompose: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (hasCompose) out.compose = ['compose.yaml'];
    if (this.units.size > 0) out.units = [...this.units.values()].map((u) => u.value);
    if (this.files.size > 0) out.files = [...this.files.values()].map((f) => f.value);
    Object.assign(out, this.manifest);
    return out;
  }
}

function header(stacks: string[], host?: string): string {
  return `# Rendered by \`moor fleet\`${host ? ` for ${host}` : ''} from stacks: ${stacks.join(', ') || '(none)'}.\n# Edit the fleet branch, not this branch: the next publish replaces this file.\n`;
}

/** What a combination of stacks renders to, the same for every host that has exactly these stacks. */
interface Layered {
  layering: Layering;
  env: Record<string, string>;
  composeText: string | null;
  /** moor.yaml's body but the labels, with and without `compose:`. */
  manifestText: Map<boolean, string>;
}

export interface Renderer {
  render(host: HostDef): RenderedHost;
}

/**
 * Renders hosts one by one; the work that depends only on the stacks (merging, conflict checks,
 * validating the stack fragments, writing compose.yaml) is done once per combination of stacks.
 * Problems go to `problems`; results are only meaningful when none were added.
 */
export function createRenderer(fleet: Fleet, stacks: ReadonlyMap<string, StackSource>, options: RenderOptions, problems: ProblemList): Renderer {
  const combos = new Map<string, Layered>();
  // Many hosts share their labels (a site, a role): their YAML is written once.
  const labelTexts = new Map<string, string>();
  const labelsText = (labels: Readonly<Record<string, string>>): string => {
    const sorted = Object.keys(labels).sort().map((k): [string, string] => [k, labels[k] ?? '']);
    const key = JSON.stringify(sorted);
    let text = labelTexts.get(key);
    if (text === undefined) labelTexts.set(key, (text = stringify({ labels: Object.fromEntries(sorted) }, { lineWidth: 0 })));
    return text;
  };
  const manifestChecked = new Set<string>();
  const layered = (names: string[]): Layered => {
    const key = names.join('\0');
    const known = combos.get(key);
    if (known) return known;
    const layering = new Layering(fleet, problems);
    const env: Record<string, string> = {};
    for (const name of names) {
      const stack = stacks.get(name);
      if (!stack) continue;
      layering.addCompose(stack);
      layering.addFiles(stack);
      layering.addManifest(stack, manifestChecked.has(name) ? null : options.policy);
      manifestChecked.add(name);
      Object.assign(env, stack.env);
    }
    const hasCompose = Object.keys(layering.compose).length > 0;
    const manifestText = new Map<boolean, string>();
    for (const withCompose of [true, false]) {
      const body = layering.manifestOut(withCompose);
      manifestText.set(withCompose, Object.keys(body).length > 0 ? stringify(body, { lineWidth: 0 }) : '');
    }
    const result = { layering, env, manifestText, composeText: hasCompose ? header(names) + stringify(layering.compose, { lineWidth: 0 }) : null };
    combos.set(key, result);
    return result;
  };
  return {
    render(host) {
      const { groups, stacks: refs } = hostLayers(fleet, host);
      const names = refs.map((r) => r.name);
      const { layering, env: stackEnv, composeText, manifestText } = layered(names);
      const env: Record<string, string> = { ...stackEnv, ...fleet.values };
      for (const g of fleet.groups) if (groups.includes(g.name)) Object.assign(env, g.values);
      Object.assign(env, host.values);
      const tree = new Map<string, Buffer>(layering.tree);
      const text = host.overrideCompose ? header(names) + stringify(mergeCompose(layering.compose, host.overrideCompose), { lineWidth: 0 }) : composeText;
      if (text !== null) tree.set('compose.yaml', Buffer.from(text));
      if (Object.keys(env).length > 0) tree.set('.env', Buffer.from(formatDotenv(env)));
      tree.set('moor.yaml', Buffer.from(header(names, host.name) + (manifestText.get(text !== null) ?? '') + labelsText(host.labels)));
      const sorted = new Map([...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return { host: host.name, branch: hostBranch(fleet, host.name), labels: { ...host.labels }, groups, stacks: names, tree: sorted };
    },
  };
}

/** Renders one host (see createRenderer for many). */
export function renderHost(fleet: Fleet, stacks: ReadonlyMap<string, StackSource>, host: HostDef, options: RenderOptions, problems: ProblemList): RenderedHost {
  return createRenderer(fleet, stacks, options, problems).render(host);
}
