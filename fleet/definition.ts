// Interprets the parsed fleet files: fleet.yaml's groups and their selectors, per-stack
// options, rollout defaults, and each host's labels, values and stacks. Pure.

import { parseDuration } from '../agent/config-text/duration.js';
import { ProblemList, type KeyPath } from '../agent/config-text/problems.js';
import type { YamlFile } from '../agent/config-text/yaml-file.js';
import { DEFAULT_HOST_BRANCH, fleetSchema, hostSchema } from './schema.js';
import { parseSelector, selectorFromMap, SelectorSyntaxError, type Labels, type Selector } from './selector.js';
import type { FleetSource } from './source.js';

export interface StackRef {
  name: string;
  /** Where it is named, for messages. */
  file: YamlFile;
  at: KeyPath;
}

export interface Group {
  name: string;
  selector: Selector;
  stacks: StackRef[];
  values: Record<string, string>;
}

export interface RolloutDefaults {
  waves: (number | string)[];
  maxFailures: number | string;
  waveTimeoutMs: number;
  pauseMs: number;
}

export interface HostDef {
  name: string;
  file: YamlFile;
  labels: Labels;
  values: Record<string, string>;
  stacks: StackRef[];
  ageRecipient: string | null;
  overrideCompose: Record<string, unknown> | null;
}

export interface Fleet {
  hostBranch: string;
  values: Record<string, string>;
  groups: Group[];
  /** stack -> the stacks it may override. */
  overrides: ReadonlyMap<string, ReadonlySet<string>>;
  rollout: RolloutDefaults;
  hosts: HostDef[];
}

export const DEFAULT_ROLLOUT: RolloutDefaults = { waves: ['100%'], maxFailures: 0, waveTimeoutMs: 15 * 60_000, pauseMs: 0 };

function stackRefs(names: readonly string[] | undefined, file: YamlFile, base: KeyPath, source: FleetSource, problems: ProblemList): StackRef[] {
  const refs: StackRef[] = [];
  (names ?? []).forEach((name, i) => {
    const at = [...base, i];
    if (!source.stacks.has(name)) problems.add(file, at, `stack ${name} does not exist (no folder stacks/${name})`);
    else refs.push({ name, file, at });
  });
  return refs;
}

function durationOr(value: string | number | undefined, fallback: number, file: YamlFile, at: KeyPath, problems: ProblemList): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === null) problems.add(file, at, `"${value}" is not a duration like 90s, 15m or 2h`);
  return ms ?? fallback;
}

function parseGroups(fleetFile: YamlFile, groups: NonNullable<ReturnType<typeof fleetSchema.parse>['groups']>, source: FleetSource, problems: ProblemList): Group[] {
  const names = new Set<string>();
  return groups.map((g, i) => {
    if (names.has(g.name)) problems.add(fleetFile, ['groups', i, 'name'], `group ${g.name} is defined twice`);
    names.add(g.name);
    let selector: Selector = [];
    try {
      selector = typeof g.select === 'string' ? parseSelector(g.select) : selectorFromMap(g.select ?? {});
    } catch (err) {
      if (!(err instanceof SelectorSyntaxError)) throw err;
      problems.add(fleetFile, ['groups', i, 'select'], err.message);
    }
    return { name: g.name, selector, stacks: stackRefs(g.stacks, fleetFile, ['groups', i, 'stacks'], source, problems), values: g.values ?? {} };
  });
}

function parseHost(name: string, file: YamlFile, source: FleetSource, problems: ProblemList): HostDef | null {
  const h = problems.parse(hostSchema, file.value ?? {}, file, []);
  if (h === null) return null;
  return {
    name,
    file,
    labels: h.labels ?? {},
    values: h.values ?? {},
    stacks: stackRefs(h.stacks, file, ['stacks'], source, problems),
    ageRecipient: h.ageRecipient ?? null,
    overrideCompose: h.overrides?.compose ?? null,
  };
}

/** Interprets the source; problems are added to `problems` (the result is usable only when none). */
export function parseFleet(source: FleetSource, problems: ProblemList): Fleet {
  problems.push(...source.problems);
  const fleet: Fleet = { hostBranch: DEFAULT_HOST_BRANCH, values: {}, groups: [], overrides: new Map(), rollout: { ...DEFAULT_ROLLOUT }, hosts: [] };
  const file = source.fleet;
  const f = file ? problems.parse(fleetSchema, file.value ?? {}, file, []) : null;
  if (file && f) {
    fleet.hostBranch = f.hostBranch ?? DEFAULT_HOST_BRANCH;
    if (!fleet.hostBranch.includes('{host}')) problems.add(file, ['hostBranch'], 'must contain {host}, e.g. hosts/{host}');
    fleet.values = f.values ?? {};
    fleet.groups = parseGroups(file, f.groups ?? [], source, problems);
    const overrides = new Map<string, Set<string>>();
    for (const [stack, opts] of Object.entries(f.stacks ?? {})) {
      if (!source.stacks.has(stack)) problems.add(file, ['stacks', stack], `stack ${stack} does not exist (no folder stacks/${stack})`);
      const refs = stackRefs(opts.overrides, file, ['stacks', stack, 'overrides'], source, problems);
      overrides.set(stack, new Set(refs.map((r) => r.name)));
    }
    fleet.overrides = overrides;
    const r = f.rollout ?? {};
    fleet.rollout = {
      waves: r.waves ?? DEFAULT_ROLLOUT.waves,
      maxFailures: r.maxFailures ?? DEFAULT_ROLLOUT.maxFailures,
      waveTimeoutMs: durationOr(r.waveTimeout, DEFAULT_ROLLOUT.waveTimeoutMs, file, ['rollout', 'waveTimeout'], problems),
      pauseMs: durationOr(r.pause, DEFAULT_ROLLOUT.pauseMs, file, ['rollout', 'pause'], problems),
    };
  }
  for (const h of source.hosts) {
    const host = parseHost(h.name, h.yaml, source, problems);
    if (host) fleet.hosts.push(host);
  }
  return fleet;
}

/** The branch a host's agent follows. */
export function hostBranch(fleet: Fleet, host: string): string {
  return fleet.hostBranch.replaceAll('{host}', host);
}
