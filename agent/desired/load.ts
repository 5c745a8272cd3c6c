// Reads a host's config dir (moor.yaml, compose files, .env, env_files, units/, files/)
// into a validated DesiredState. Everything is read first and every problem of every file
// is collected, so that one run of `moor validate` lists them all.
import { InvalidConfigError, type ConfigProblem } from '../contracts/errors.js';
import type { PolicySettings } from '../settings/model.js';
import { buildCompose, type ComposeResult } from './compose/project.js';
import { adoptOf, manifestAdopts } from './compose/adopt.js';
import { projectDirsOf, RepoContent } from './project-content.js';
import { envFileEntries } from './compose/env.js';
import { assembleCompose } from './compose/files.js';
import { mergedLocator } from './compose/merge.js';
import { expandDotenv, parseDotenv } from './compose/dotenv.js';
import { specHash } from './hash.js';
import { isRecord } from './compose/interpolate.js';
import { checkFileRestarts, MANIFEST_FILE, parseManifest, unitNameProblem, type Manifest, type ManifestFile } from './manifest.js';
import { DEFAULT_ROLLOUT, emptyDesiredState, type DesiredState, type FileSpec, type UnitSpec } from './model.js';
import { ProblemList, type KeyPath, type Locator } from '../config-text/problems.js';
import { LIMITS, RepoDir } from './repo-files.js';
import { normaliseRelative } from '../config-text/safe-path.js';
import { checkUnitPolicy } from './unit-policy.js';
import { SecretCollector } from './secret-collector.js';
import { SECRET_NAME, secretValuesOf } from './secrets.js';
import { MAX_CONFIG_BYTES, type YamlFile } from '../config-text/yaml-file.js';
import type { RepoSecrets, SecretsSession } from './secrets-port.js';

export interface LoadOptions {
  policy: PolicySettings;
  /** Where each compose project's directory lives (`<projectsDir>/<project>`): relative bind sources resolve against it. */
  projectsDir: string;
  /** Receives what is allowed but worth saying (an unset variable used as a blank, as compose warns). */
  onWarning?: (warning: ConfigProblem) => void;
  /** Decrypts `.age` files with the host identity; without it they are not read. */
  secrets?: RepoSecrets;
  /** Secret values known before the load (the agent's registry and source passwords, its hub token): never in a problem. */
  knownSecrets?: readonly string[];
}

/** What one load carries along: problems, warnings, and the secret values met so far. */
interface LoadLists {
  problems: ProblemList;
  warnings: ProblemList;
  secrets: SecretCollector;
}

/** The projects dir when no agent.yaml names one (validate and plan in a config repo's CI). */
export const DEFAULT_PROJECTS_DIR = '/var/lib/moor/projects';

/**
 * Problems come out redacted: a secret value the load read (even after the problem was found)
 * is never in the error that is stored, evented, sent to the hub or printed.
 */
export async function loadDesiredState(dir: string, options: LoadOptions): Promise<DesiredState> {
  const problems = new ProblemList();
  const secrets = new SecretCollector(options.knownSecrets);
  const state = await readGuarded(dir, options, problems, secrets);
  if (!problems.empty) throw new InvalidConfigError(problems.items.map((p) => secrets.problem(p)));
  return state;
}

/** All problems of a config dir (or of a view of one, as `moor fleet` has in memory), for `moor validate`; empty when it is valid. */
export async function validateDir(dir: string | RepoDir, options: LoadOptions): Promise<ConfigProblem[]> {
  const problems = new ProblemList();
  const secrets = new SecretCollector(options.knownSecrets);
  await readGuarded(dir, options, problems, secrets);
  return problems.items.map((p) => secrets.problem(p));
}

/**
 * Anything unexpected thrown while reading a commit (a parser's RangeError, a TypeError on a
 * shape nobody foresaw) is the commit's fault: it becomes a problem, so the commit is invalid
 * and not retried. Only errors of the machine (errno codes: EIO, ENOSPC, EMFILE ...) propagate.
 */
async function readGuarded(dir: string | RepoDir, options: LoadOptions, problems: ProblemList, secrets: SecretCollector): Promise<DesiredState> {
  try {
    return await readState(dir, options, problems, secrets);
  } catch (err) {
    if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' && !(err instanceof RangeError)) throw err;
    problems.add(wholeFile('.'), [], `the commit could not be read: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return emptyDesiredState();
  }
}

const wholeFile = (file: string): Locator => ({ locate: () => ({ file, line: 1 }) });

async function readYamlIn(repo: RepoDir, rel: string, problems: ProblemList): Promise<YamlFile | null> {
  const read = await repo.read(rel, MAX_CONFIG_BYTES);
  if (!read.ok) {
    if (!read.missing) problems.add(wholeFile(rel), [], read.message);
    return null;
  }
  const parsed = repo.parseYaml(rel, read.data.toString('utf8'));
  if (!parsed.ok) problems.push(...parsed.problems);
  return parsed.ok ? parsed.yaml : null;
}

async function readState(dir: string | RepoDir, options: LoadOptions, problems: ProblemList, secrets: SecretCollector): Promise<DesiredState> {
  const warnings = new ProblemList();
  try {
    return await readStateInto(dir, options, { problems, warnings, secrets });
  } finally {
    for (const w of warnings.items) options.onWarning?.(secrets.problem(w));
  }
}

async function readStateInto(dir: string | RepoDir, options: LoadOptions, lists: LoadLists): Promise<DesiredState> {
  const { problems } = lists;
  let repo: RepoDir;
  try {
    repo = typeof dir === 'string' ? await RepoDir.open(dir) : dir;
  } catch (err) {
    // A host folder missing from the branch is the commit's fault, like any invalid file.
    problems.add(wholeFile('.'), [], `config dir ${dir} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    return { containers: [], networks: [], volumes: [], units: [], files: [], rollout: { ...DEFAULT_ROLLOUT }, window: null, pruneVolumes: false };
  }
  const usage = await repo.usage({ bytes: LIMITS.configBytes, entries: LIMITS.configEntries });
  if (!usage.ok) {
    // Nothing else is read: the commit is refused as a whole.
    problems.add(wholeFile('.'), [], `${usage.message}; refused`);
    return emptyDesiredState();
  }
  const manifestYaml = (await repo.exists(MANIFEST_FILE)) ? await readYamlIn(repo, MANIFEST_FILE, problems) : null;
  const manifestLocator = manifestYaml ?? wholeFile(MANIFEST_FILE);
  const manifest = parseManifest(manifestYaml?.value, manifestLocator, options.policy, problems);

  const session = options.secrets?.open((rel) => repo.read(rel), (value) => lists.secrets.add(value)) ?? null;
  const { locator: composeLocator, ...compose } = await readCompose(repo, manifest, manifestLocator, options, lists, session);
  // The commit's files that binds and builds use, placed in each project's directory (see project-content.ts).
  const report = (path: KeyPath, message: string): void => problems.add(composeLocator ?? wholeFile('compose.yaml'), path, message);
  const warn = (path: KeyPath, message: string): void => lists.warnings.add(composeLocator ?? wholeFile('compose.yaml'), path, message);
  const projectDirs = await projectDirsOf(compose.containers, new RepoContent(repo, problems), options.projectsDir, report, warn);
  const units = await readUnits(repo, manifest, problems);
  checkUnitPolicy(units, manifest, manifestLocator, options.policy, problems);
  checkFileRestarts(manifest, new Set(units.map((u) => u.name)), manifestLocator, problems);
  const files = await readFiles(repo, manifest, manifestLocator, problems);
  // .env again, quietly (its problems are reported above): its secret-named values are secrets.
  const dotenv = (await readDotenv(repo, '.env', {}, false, { problems: new ProblemList(), warnings: new ProblemList(), secrets: lists.secrets }, isSecretName)) ?? {};
  const state: DesiredState = {
    ...compose,
    units,
    files,
    rollout: manifest.rollout,
    window: manifest.window,
    pruneVolumes: manifest.pruneVolumes,
    secretValues: secretValuesOf(compose, dotenv),
    ...(projectDirs.length > 0 ? { projectDirs } : {}),
    labels: manifest.labels,
  };
  if (session) await session.finish(state, problems); // secrets: issue 13
  // Values revealed by the secrets session (`.env.age`, `.age` files) are secrets of the plan too.
  state.secretValues = [...new Set([...(state.secretValues ?? []), ...lists.secrets.list()])].sort();
  return state;
}

async function readCompose(
  repo: RepoDir,
  manifest: Manifest,
  manifestLocator: Locator,
  options: LoadOptions,
  lists: LoadLists,
  session: SecretsSession | null,
): Promise<ComposeResult> {
  const { problems, warnings } = lists;
  const strict = options.policy.strictInterpolation === true;
  const plainVars = (await readDotenv(repo, '.env', {}, strict, lists, isSecretName)) ?? {};
  // `.env.age` values reach interpolation as placeholders; they win over `.env`.
  const envVars = session ? { ...plainVars, ...(await session.dotenv(problems)) } : plainVars;
  const profiles = manifest.profiles ?? (envVars.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  const assembled = await assembleCompose({ repo, manifest, manifestLocator, vars: envVars, strict, profiles, problems, warnings });
  if (assembled.yamls.length === 0 || assembled.value === null) return { containers: [], networks: [], volumes: [] };
  const locator = mergedLocator(assembled.yamls, assembled.yamls[0]?.file ?? 'compose.yaml');
  // Compose secrets with an `.age` source are the secrets module's; plain ones stay here.
  const taken = session ? session.takeComposeSecrets(assembled.value, locator, problems) : assembled.value;
  const value = isRecord(taken) ? taken : assembled.value;
  const envFiles = await readEnvFiles(repo, value, locator, envVars, strict, lists);
  const defaultProject = envVars.COMPOSE_PROJECT_NAME || 'default';
  const project = typeof value.name === 'string' ? value.name : defaultProject;
  const adoptedByManifest = manifestAdopts(manifest.adopt, project, manifestLocator, problems);
  const adopt = adoptOf(value, locator, problems) || adoptedByManifest;
  const built = buildCompose(
    {
      value,
      locator,
      envVars,
      envFiles,
      policy: options.policy,
      projectsDir: options.projectsDir,
      defaultProject,
      disabled: assembled.disabled,
      warnings,
    },
    problems,
  );
  return { ...built, locator, ...(adopt ? { adopt } : {}) };
}

async function readDotenv(
  repo: RepoDir,
  rel: string,
  base: Readonly<Record<string, string>>,
  strict: boolean,
  lists: LoadLists,
  /** Which keys hold secrets: registered the moment they are read, before anything can fail on them. */
  secret: (key: string) => boolean,
): Promise<Record<string, string> | null> {
  const read = await repo.read(rel, MAX_CONFIG_BYTES);
  if (!read.ok) {
    if (!read.missing) lists.problems.add(wholeFile(rel), [], read.message);
    return null;
  }
  const parsed = parseDotenv(read.data.toString('utf8'));
  // Raw values now (a later failure must not show them); those with `${...}` once expanded, below.
  for (const [key, value] of Object.entries(parsed.vars)) if (secret(key) && !value.includes('$')) lists.secrets.add(value);
  for (const p of parsed.problems) lists.problems.push({ file: rel, line: p.line, key: '', message: p.message });
  const expanded = expandDotenv(parsed, base, strict, {
    problem: (line, message) => lists.problems.push({ file: rel, line, key: '', message }),
    warning: (line, message) => lists.warnings.push({ file: rel, line, key: '', message }),
  });
  for (const [key, value] of Object.entries(expanded ?? {})) if (secret(key)) lists.secrets.add(value);
  return expanded;
}

const isSecretName = (key: string): boolean => SECRET_NAME.test(key);
/** Every value of an env_file is a secret (compose cannot say which are not). */
const everyKey = (): boolean => true;

/**
 * Reads every env_file the services name, with `${VAR}` expanded against .env. Entries that
 * cannot be used are reported here with their key and mapped to null, so the compose builder
 * does not report them again; an optional one (`required: false`) that is missing is empty.
 */
async function readEnvFiles(
  repo: RepoDir,
  merged: Record<string, unknown>,
  locator: Locator,
  envVars: Readonly<Record<string, string>>,
  strict: boolean,
  lists: LoadLists,
): Promise<Map<string, Record<string, string> | null>> {
  const out = new Map<string, Record<string, string> | null>();
  const services = isRecord(merged.services) ? merged.services : {};
  for (const [service, def] of Object.entries(services)) {
    for (const { file, required, at } of envFileEntries(isRecord(def) ? def.env_file : undefined)) {
      const rel = normaliseRelative(file);
      if ('error' in rel || out.has(rel.path)) continue;
      if (!required && !(await repo.exists(rel.path))) {
        out.set(rel.path, {});
        continue;
      }
      const vars = await readDotenv(repo, rel.path, envVars, strict, lists, everyKey);
      if (vars === null) {
        const read = await repo.read(rel.path, MAX_CONFIG_BYTES);
        const message = !read.ok && !read.missing ? read.message : `env_file ${rel.path} was not found in the config dir`;
        lists.problems.add(locator, ['services', service, 'env_file', ...at], message);
      }
      out.set(rel.path, vars);
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
  const entries = manifest.files.filter((f) => !('error' in normaliseRelative(f.source))); // bad ones already reported
  if (manifest.files.length > LIMITS.fileEntries) {
    problems.add(locator, ['files'], `${manifest.files.length} entries, more than the limit of ${LIMITS.fileEntries} per commit`);
    return [];
  }
  // Sizes first: nothing is read unless the whole set fits (a source named by N entries counts N times).
  let total = 0;
  const usable: ManifestFile[] = [];
  for (const f of entries) {
    const size = await repo.size(f.source);
    if (!size.ok) problems.add(locator, [...f.at, 'source'], size.missing ? `${f.source} does not exist in the config dir` : size.message);
    else {
      total += size.bytes;
      usable.push(f);
    }
  }
  if (total > LIMITS.filesBytes) {
    problems.add(locator, ['files'], `sources total ${total} bytes (each entry counts its source), more than the limit of ${LIMITS.filesBytes} bytes per commit`);
    return [];
  }
  const contents = new Map<string, string>();
  const files: FileSpec[] = [];
  for (const f of usable) {
    let contentBase64 = contents.get(f.source);
    if (contentBase64 === undefined) {
      const read = await repo.read(f.source);
      if (!read.ok) {
        problems.add(locator, [...f.at, 'source'], read.missing ? `${f.source} does not exist in the config dir` : read.message);
        continue;
      }
      contentBase64 = read.data.toString('base64');
      contents.set(f.source, contentBase64);
    }
    const spec: FileSpec = {
      path: f.path,
      source: f.source,
      contentBase64,
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
