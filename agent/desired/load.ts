// Reads a host's config dir (moor.yaml, compose files, .env, env_files, units/, files/)
// into a validated DesiredState. Everything is read first and every problem of every file
// is collected, so that one run of `moor validate` lists them all.
import { InvalidConfigError, type ConfigProblem } from '../contracts/errors.js';
import { projectDirsOf, RepoContent } from './project-content.js';
import { checkFileRestarts, MANIFEST_FILE, parseManifest } from './manifest.js';
import { DEFAULT_ROLLOUT, emptyDesiredState, type DesiredState } from './model.js';
import { ProblemList, type KeyPath } from '../config-text/problems.js';
import { LIMITS, RepoDir } from './repo-files.js';
import { checkUnitPolicy } from './unit-policy.js';
import { SecretCollector } from './secret-collector.js';
import { secretValuesOf } from './secrets.js';
import { MAX_CONFIG_BYTES, type YamlFile } from '../config-text/yaml-file.js';
import { wholeFile, type LoadLists, type LoadOptions } from './load-lists.js';
import { isSecretName, readCompose, readDotenv } from './load-compose.js';
import { readUnits } from './load-units.js';
import { readFiles } from './load-files.js';

export type { LoadOptions };

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
  // The agent's own secrets (knownSecrets) are not part of the state: a state holding only those
  // is stored and read back after a restart; who plans adds them to the redaction (withAgentSecrets).
  state.secretValues = [...new Set([...(state.secretValues ?? []), ...lists.secrets.fromCommit()])].sort();
  return state;
}
