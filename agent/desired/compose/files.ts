// Assembles a project's compose tree the way docker compose does: the files moor.yaml lists
// (or compose.yaml and, when present, compose.override.yaml), each interpolated with .env,
// their `include`s, merged in order, then each service's `extends`, then `profiles`.
import { posix } from 'node:path';
import { includeEntry, includeVars, withBareEnvironment, type IncludeEntry } from './include.js';
import { mergeCompose } from './merge.js';
import { rebaseComposePaths, rebaseService } from './rebase.js';
import { interpolateTree, isRecord } from './interpolate.js';
import { DEFAULT_COMPOSE_FILES, type Manifest } from '../manifest.js';
import type { KeyPath, Locator, ProblemList } from '../../config-text/problems.js';
import type { RepoDir } from '../repo-files.js';
import { normaliseRelative } from '../../config-text/safe-path.js';
import { MAX_CONFIG_BYTES, parseYaml, type YamlFile } from '../../config-text/yaml-file.js';

export const OVERRIDE_FILES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];
const MAX_INCLUDE_DEPTH = 8;

/** Where an included project's relative paths resolve (config-dir-relative) and its variables. */
interface IncludedProject {
  dir: string;
  vars: Readonly<Record<string, string>>;
}

export interface AssembleInput {
  repo: RepoDir;
  manifest: Manifest;
  manifestLocator: Locator;
  vars: Readonly<Record<string, string>>;
  strict: boolean;
  /** Profiles enabled by moor.yaml `profiles:` or COMPOSE_PROFILES, '*' for all. */
  profiles: readonly string[];
  problems: ProblemList;
  warnings: ProblemList;
}

export interface Assembled {
  value: Record<string, unknown> | null;
  yamls: YamlFile[];
  /** Services left out because none of their profiles is enabled, with those profiles. */
  disabled: Map<string, string[]>;
}

export async function assembleCompose(input: AssembleInput): Promise<Assembled> {
  const files = new ComposeFiles(input);
  let merged: Record<string, unknown> | null = null;
  for (const { file, at } of await composeFileNames(input)) {
    if (!(await input.repo.exists(file))) {
      if (at) input.problems.add(input.manifestLocator, at, `compose file ${file} does not exist`);
      continue;
    }
    const value = await files.withIncludes(file, { dir: '', vars: input.vars }, [], 0);
    if (value) merged = merged === null ? value : (mergeCompose(merged, value) as Record<string, unknown>);
  }
  const disabled = new Map<string, string[]>();
  if (merged !== null && isRecord(merged.services)) {
    const services: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(merged.services)) services[name] = await files.extended(name, def, merged.services, null, []);
    merged = { ...merged, services: withProfiles(services, input.profiles, disabled) };
  }
  return { value: merged, yamls: files.yamls, disabled };
}

async function composeFileNames(input: AssembleInput): Promise<{ file: string; at: KeyPath | null }[]> {
  if (input.manifest.compose !== null) return input.manifest.compose;
  for (const file of DEFAULT_COMPOSE_FILES) {
    if (!(await input.repo.exists(file))) continue;
    const names: { file: string; at: KeyPath | null }[] = [{ file, at: null }];
    for (const override of OVERRIDE_FILES) {
      if (await input.repo.exists(override)) {
        names.push({ file: override, at: null });
        break;
      }
    }
    return names;
  }
  return [];
}

class ComposeFiles {
  readonly yamls: YamlFile[] = [];
  private readonly cache = new Map<string, Record<string, unknown> | null>();

  constructor(private readonly input: AssembleInput) {}

  /** One file, parsed and interpolated with `vars` (x- extension fields are left alone), or null. */
  async read(file: string, vars: Readonly<Record<string, string>> = this.input.vars): Promise<Record<string, unknown> | null> {
    if (this.cache.has(file)) return this.cache.get(file) ?? null;
    this.cache.set(file, null);
    const read = await this.input.repo.read(file, MAX_CONFIG_BYTES);
    if (!read.ok) {
      this.input.problems.add(wholeFile(file), [], read.missing ? `${file} does not exist in the config dir` : read.message);
      return null;
    }
    const parsed = this.input.repo.parseYaml(file, read.data.toString('utf8'));
    if (!parsed.ok) {
      this.input.problems.push(...parsed.problems);
      return null;
    }
    const yaml = parsed.yaml;
    this.yamls.push(yaml);
    if (yaml.value === null) return {};
    if (!isRecord(yaml.value)) {
      this.input.problems.add(yaml, [], 'expected a mapping of compose keys');
      return null;
    }
    const report = {
      problem: (path: KeyPath, message: string) => this.input.problems.addFinal(yaml, path, message),
      warning: (path: KeyPath, message: string) => this.input.warnings.add(yaml, path, message),
    };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(yaml.value)) out[k] = k.startsWith('x-') ? v : interpolateTree(v, vars, report, this.input.strict, [k]);
    this.cache.set(file, out);
    return out;
  }

  /**
   * A file with the files it includes: their resources are added, never overridden. `project`
   * is the file's project directory and the variables it is read with; its relative paths come
   * back resolved against the config dir.
   */
  async withIncludes(file: string, project: IncludedProject, trail: string[], depth: number): Promise<Record<string, unknown> | null> {
    const value = await this.read(file, project.vars);
    if (value === null) return null;
    const { include, ...own } = value;
    let result = withBareEnvironment(rebaseComposePaths(own, project.dir), project.vars, this.input.vars);
    if (include === undefined) return result;
    const yaml = this.yamls.find((y) => y.file === file) ?? wholeFile(file);
    const list = Array.isArray(include) ? include : [include];
    for (const [i, raw] of list.entries()) {
      const at: KeyPath = ['include', i];
      const report = (path: KeyPath, message: string): void => this.input.problems.add(yaml, [...at, ...path], message);
      const entry = includeEntry(raw, project.dir, report);
      if (entry === null) continue;
      const included = await this.included(entry, { file, project, trail, depth }, report);
      if (included) result = addIncluded(result, included, entry.files[0] ?? '', (path, message) => this.input.problems.add(yaml, path, message));
    }
    return result;
  }

  /** An include entry's files, merged in order, read in the included project's directory. */
  private async included(
    entry: IncludeEntry,
    from: { file: string; project: IncludedProject; trail: string[]; depth: number },
    report: (path: KeyPath, message: string) => void,
  ): Promise<Record<string, unknown> | null> {
    const vars = await includeVars(this.input.repo, entry, from.project.vars, { ...this.input, report: (message) => report(['env_file'], message) });
    let merged: Record<string, unknown> | null = null;
    for (const path of entry.files) {
      if (from.trail.includes(path) || path === from.file || from.depth >= MAX_INCLUDE_DEPTH) {
        report([], `include of ${path} makes a cycle or nests deeper than ${MAX_INCLUDE_DEPTH}`);
        return null;
      }
      if (!(await this.input.repo.exists(path))) {
        report([], `included file ${path} does not exist in the config dir`);
        return null;
      }
      const value = await this.withIncludes(path, { dir: entry.projectDir, vars }, [...from.trail, from.file], from.depth + 1);
      if (value === null) return null;
      merged = merged === null ? value : (mergeCompose(merged, value) as Record<string, unknown>);
    }
    return merged;
  }

  /** A service with what it `extends` merged under it (compose's rules), recursively. */
  async extended(name: string, def: unknown, siblings: Record<string, unknown>, file: string | null, trail: string[]): Promise<unknown> {
    if (!isRecord(def) || def.extends === undefined) return def;
    const { extends: ext, ...own } = def;
    const locator = this.yamls.find((y) => y.file === file) ?? this.yamls[0] ?? wholeFile(file ?? 'compose.yaml');
    const at: KeyPath = ['services', name, 'extends'];
    const target = typeof ext === 'string' ? { service: ext, file: undefined } : isRecord(ext) ? ext : null;
    if (target === null || typeof target.service !== 'string' || (target.file !== undefined && typeof target.file !== 'string')) {
      this.input.problems.add(locator, at, 'expected a service name, or { service: NAME, file: FILE }');
      return own;
    }
    let baseFile = file;
    let pool = siblings;
    if (typeof target.file === 'string') {
      const rel = normaliseRelative(target.file);
      if ('error' in rel) {
        this.input.problems.add(locator, [...at, 'file'], rel.error);
        return own;
      }
      if (!(await this.input.repo.exists(rel.path))) {
        this.input.problems.add(locator, [...at, 'file'], `${rel.path} does not exist in the config dir`);
        return own;
      }
      const other = await this.read(rel.path);
      baseFile = rel.path;
      pool = other && isRecord(other.services) ? other.services : {};
    }
    const key = `${baseFile ?? ''}:${target.service}`;
    if (trail.includes(key) || trail.length >= MAX_INCLUDE_DEPTH) {
      this.input.problems.add(locator, at, `extends of ${target.service} makes a cycle or nests deeper than ${MAX_INCLUDE_DEPTH}`);
      return own;
    }
    if (!(target.service in pool)) {
      this.input.problems.add(locator, [...at, 'service'], `service "${target.service}" does not exist${baseFile ? ` in ${baseFile}` : ''}`);
      return own;
    }
    // A base read from a file keeps paths relative to that file's folder (compose-go resolves them there).
    const written = pool[target.service];
    const baseDef = baseFile !== null && isRecord(written) ? rebaseService(written, posix.dirname(baseFile)) : written;
    const base = await this.extended(target.service, baseDef, pool, baseFile, [...trail, key]);
    return mergeCompose(base, own, ['services', name]);
  }
}

/** Adds an included file's services, networks, volumes, secrets and configs; a clash is an error. */
function addIncluded(
  into: Record<string, unknown>,
  included: Record<string, unknown>,
  file: string,
  report: (path: KeyPath, message: string) => void,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...into };
  for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
    const theirs = included[section];
    if (!isRecord(theirs)) continue;
    const ours: Record<string, unknown> = isRecord(out[section]) ? { ...out[section] } : {};
    for (const [key, value] of Object.entries(theirs)) {
      if (key in ours) report([section, key], `${section}.${key} is also defined in the included file ${file}`);
      else ours[key] = value;
    }
    out[section] = ours;
  }
  return out;
}

function withProfiles(services: Record<string, unknown>, active: readonly string[], disabled: Map<string, string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(services)) {
    const profiles = isRecord(def) && Array.isArray(def.profiles) ? def.profiles.filter((p): p is string => typeof p === 'string') : [];
    if (profiles.length === 0 || active.includes('*') || profiles.some((p) => active.includes(p))) out[name] = def;
    else disabled.set(name, profiles);
  }
  return out;
}

const wholeFile = (file: string): Locator => ({ locate: () => ({ file, line: 1 }) });
