// Reads a host's config dir (moor.yaml, compose files, .env, env_files, units/, files/)
// into a validated DesiredState. Everything is read first and every problem of every file
// is collected, so that one run of `moor validate` lists them all.
import { InvalidConfigError, type ConfigProblem } from '../errors.js';
import type { PolicySettings } from '../settings/model.js';
import { buildCompose, type ComposeResult } from './compose.js';
import { deepMerge, mergedLocator } from './compose-merge.js';
import { parseDotenv } from './dotenv.js';
import { specHash } from './hash.js';
import { interpolateTree, isRecord } from './interpolate.js';
import { checkFileRestarts, DEFAULT_COMPOSE_FILES, MANIFEST_FILE, parseManifest, unitNameProblem, type Manifest } from './manifest.js';
import { DEFAULT_ROLLOUT, type DesiredState, type FileSpec, type UnitSpec } from './model.js';
import { ProblemList, type KeyPath, type Locator } from './problems.js';
import { RepoDir } from './repo-files.js';
import { normaliseRelative } from './safe-path.js';
import { MAX_CONFIG_BYTES, parseYaml, type YamlFile } from './yaml-file.js';

export interface LoadOptions {
  policy: PolicySettings;
}

export async function loadDesiredState(dir: string, options: LoadOptions): Promise<DesiredState> {
  const problems = new ProblemList();
  const state = await readState(dir, options, problems);
  if (!problems.empty) throw new InvalidConfigError(problems.items);
  return state;
}

/** All problems of a config dir, for `moor validate`; empty when it is valid. */
export async function validateDir(dir: string, options: LoadOptions): Promise<ConfigProblem[]> {
  const problems = new ProblemList();
  await readState(dir, options, problems);
  return problems.items;
}

const wholeFile = (file: string): Locator => ({ locate: () => ({ file, line: 1 }) });

async function readYamlIn(repo: RepoDir, rel: string, problems: ProblemList): Promise<YamlFile | null> {
  const read = await repo.read(rel, MAX_CONFIG_BYTES);
  if (!read.ok) {
    if (!read.missing) problems.add(wholeFile(rel), [], read.message);
    return null;
  }
  const parsed = parseYaml(rel, read.data.toString('utf8'));
  if (!parsed.ok) problems.push(...parsed.problems);
  return parsed.ok ? parsed.yaml : null;
}

async function readState(dir: string, options: LoadOptions, problems: ProblemList): Promise<DesiredState> {
  let repo: RepoDir;
  try {
    repo = await RepoDir.open(dir);
  } catch (err) {
    // A host folder missing from the branch is the commit's fault, like any invalid file.
    problems.add(wholeFile('.'), [], `config dir ${dir} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    return { containers: [], networks: [], volumes: [], units: [], files: [], rollout: { ...DEFAULT_ROLLOUT }, window: null, pruneVolumes: false };
  }
  const manifestYaml = (await repo.exists(MANIFEST_FILE)) ? await readYamlIn(repo, MANIFEST_FILE, problems) : null;
  const manifestLocator = manifestYaml ?? wholeFile(MANIFEST_FILE);
  const manifest = parseManifest(manifestYaml?.value, manifestLocator, options.policy, problems);

  const compose = await readCompose(repo, manifest, manifestLocator, options.policy, problems);
  const units = await readUnits(repo, manifest, problems);
  checkFileRestarts(manifest, new Set(units.map((u) => u.name)), manifestLocator, problems);
  const files = await readFiles(repo, manifest, manifestLocator, problems);
  return {
    ...compose,
    units,
    files,
    rollout: manifest.rollout,
    window: manifest.window,
    pruneVolumes: manifest.pruneVolumes,
    labels: manifest.labels,
  };
}

async function readCompose(
  repo: RepoDir,
  manifest: Manifest,
  manifestLocator: Locator,
  policy: PolicySettings,
  problems: ProblemList,
): Promise<ComposeResult> {
  let names: { file: string; at: KeyPath | null }[] = manifest.compose ?? [];
  if (manifest.compose === null) {
    for (const file of DEFAULT_COMPOSE_FILES) {
      if (await repo.exists(file)) {
        names = [{ file, at: null }];
        break;
      }
    }
  }
  const envVars = await readDotenv(repo, '.env', problems);
  const yamls: YamlFile[] = [];
  let merged: unknown = null;
  for (const { file, at } of names) {
    const exists = await repo.exists(file);
    if (!exists && at) problems.add(manifestLocator, at, `compose file ${file} does not exist`);
    const yaml = exists ? await readYamlIn(repo, file, problems) : null;
    if (!yaml) continue;
    yamls.push(yaml);
    const report = (path: KeyPath, message: string): void => problems.add(yaml, path, message);
    const value = isRecord(yaml.value) ? interpolateTopLevel(yaml.value, envVars ?? {}, report) : yaml.value;
    merged = deepMerge(merged, value);
  }
  if (yamls.length === 0) return { containers: [], networks: [], volumes: [] };
  const locator = mergedLocator(yamls, yamls[0]?.file ?? 'compose.yaml');
  const envFiles = await readEnvFiles(repo, merged, locator, problems);
  return buildCompose({ value: merged, locator, envVars: envVars ?? {}, envFiles, policy }, problems);
}

/** Interpolates all but the `x-` extension fields, which moor ignores anyway. */
function interpolateTopLevel(
  value: Record<string, unknown>,
  vars: Readonly<Record<string, string>>,
  report: (path: KeyPath, message: string) => void,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k.startsWith('x-') ? v : interpolateTree(v, vars, report, [k]);
  return out;
}

async function readDotenv(repo: RepoDir, rel: string, problems: ProblemList): Promise<Record<string, string> | null> {
  const read = await repo.read(rel, MAX_CONFIG_BYTES);
  if (!read.ok) {
    if (!read.missing) problems.add(wholeFile(rel), [], read.message);
    return null;
  }
  const parsed = parseDotenv(read.data.toString('utf8'));
  for (const p of parsed.problems) problems.push({ file: rel, line: p.line, key: '', message: p.message });
  return parsed.vars;
}

/**
 * Reads every env_file the services name. Entries that cannot be used are reported here
 * with their key and mapped to null, so the compose builder does not report them again.
 */
async function readEnvFiles(
  repo: RepoDir,
  merged: unknown,
  locator: Locator,
  problems: ProblemList,
): Promise<Map<string, Record<string, string> | null>> {
  const out = new Map<string, Record<string, string> | null>();
  const services = isRecord(merged) && isRecord(merged.services) ? merged.services : {};
  for (const [service, def] of Object.entries(services)) {
    const raw = isRecord(def) ? def.env_file : undefined;
    const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
    for (const [i, file] of list.entries()) {
      if (typeof file !== 'string') continue;
      const at: KeyPath = ['services', service, 'env_file', ...(typeof raw === 'string' ? [] : [i])];
      const rel = normaliseRelative(file);
      if ('error' in rel || out.has(rel.path)) continue;
      const read = await repo.read(rel.path, MAX_CONFIG_BYTES);
      if (!read.ok) {
        problems.add(locator, at, read.missing ? `env_file ${rel.path} was not found in the config dir` : read.message);
        out.set(rel.path, null);
        continue;
      }
      const parsed = parseDotenv(read.data.toString('utf8'));
      for (const p of parsed.problems) problems.push({ file: rel.path, line: p.line, key: '', message: p.message });
      out.set(rel.path, parsed.vars);
    }
  }
  return out;
}

async function readUnits(repo: RepoDir, manifest: Manifest, problems: ProblemList): Promise<UnitSpec[]> {
  // A units/ folder that leads out of the config dir is refused, not silently skipped.
  const unitsProblem = await repo.unusable('units');
  if (unitsProblem) problems.add(wholeFile('units'), [], unitsProblem);
  const entries = await repo.list('units');
  const names = new Set(manifest.units.map((u) => u.name));
  for (const entry of entries) {
    const name = entry.dir && entry.name.endsWith('.d') ? entry.name.slice(0, -2) : entry.name;
    const problem = unitNameProblem(name);
    if (problem) problems.add(wholeFile(`units/${entry.name}`), [], problem);
    else names.add(name);
  }
  const declared = new Map(manifest.units.map((u) => [u.name, u]));
  const units: UnitSpec[] = [];
  for (const name of [...names].sort()) {
    if (unitNameProblem(name)) continue;
    const read = await repo.read(`units/${name}`, MAX_CONFIG_BYTES);
    if (!read.ok && !read.missing) problems.add(wholeFile(`units/${name}`), [], read.message);
    const dropIns: Record<string, string> = {};
    const dropInProblem = await repo.unusable(`units/${name}.d`);
    if (dropInProblem) problems.add(wholeFile(`units/${name}.d`), [], dropInProblem);
    for (const dropIn of await repo.list(`units/${name}.d`)) {
      const rel = `units/${name}.d/${dropIn.name}`;
      if (!dropIn.name.endsWith('.conf') || !/^[A-Za-z0-9:_.@-]+$/.test(dropIn.name)) {
        problems.add(wholeFile(rel), [], 'drop-ins must be named NAME.conf');
        continue;
      }
      const content = await repo.read(rel, MAX_CONFIG_BYTES);
      if (content.ok) dropIns[dropIn.name] = content.data.toString('utf8');
      else problems.add(wholeFile(rel), [], content.message);
    }
    const d = declared.get(name);
    const unit: UnitSpec = {
      name,
      content: read.ok ? read.data.toString('utf8') : null,
      dropIns,
      enabled: d?.enabled ?? null,
      state: d?.state ?? null,
      mask: d?.mask ?? false,
      onChange: d?.onChange ?? 'restart',
      hash: '',
    };
    unit.hash = specHash(unit);
    units.push(unit);
  }
  return units;
}

async function readFiles(repo: RepoDir, manifest: Manifest, locator: Locator, problems: ProblemList): Promise<FileSpec[]> {
  const files: FileSpec[] = [];
  for (const f of manifest.files) {
    if ('error' in normaliseRelative(f.source)) continue; // already reported by the manifest
    const read = await repo.read(f.source);
    if (!read.ok) {
      problems.add(locator, [...f.at, 'source'], read.missing ? `${f.source} does not exist in the config dir` : read.message);
      continue;
    }
    const spec: FileSpec = {
      path: f.path,
      source: f.source,
      contentBase64: read.data.toString('base64'),
      mode: f.mode,
      owner: f.owner,
      group: f.group,
      restarts: f.restarts,
      hash: '',
    };
    spec.hash = specHash(spec);
    files.push(spec);
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
