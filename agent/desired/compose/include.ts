// One `include` entry as compose-go reads it: the files (relative to the including file's
// project directory), the included project's own directory (project_directory, else the first
// file's folder) and the variables it is interpolated with (its env_file, else its folder's .env,
// filling only what the including project leaves unset).
import { posix } from 'node:path';
import { expandDotenv, parseDotenv } from './dotenv.js';
import { rebasePath } from './rebase.js';
import { isRecord } from './interpolate.js';
import type { KeyPath, ProblemList } from '../../config-text/problems.js';
import type { RepoDir } from '../repo-files.js';
import { normaliseRelative } from '../../config-text/safe-path.js';
import { MAX_CONFIG_BYTES } from '../../config-text/yaml-file.js';

export interface IncludeEntry {
  /** Config-dir-relative paths: the first is the included project, the rest override it. */
  files: string[];
  /** The included project's directory, config-dir-relative ('' for the config dir itself). */
  projectDir: string;
  /** Config-dir-relative env files given by `env_file`, or null for the default `.env`. */
  envFiles: string[] | null;
}

type Report = (path: KeyPath, message: string) => void;

/** Parses an entry written in the file whose project directory is `parentDir`. */
export function includeEntry(entry: unknown, parentDir: string, report: Report): IncludeEntry | null {
  const fields = isRecord(entry) ? entry : typeof entry === 'string' ? { path: entry } : null;
  if (fields === null) {
    report([], 'expected a file path, or { path: FILE, project_directory: DIR, env_file: FILE }');
    return null;
  }
  for (const key of Object.keys(fields)) {
    if (!['path', 'project_directory', 'env_file'].includes(key)) report([key], 'unsupported key (expected path, project_directory or env_file)');
  }
  const files = pathList(fields.path, parentDir, typeof entry === 'string' ? [] : ['path'], report);
  if (files === null || files.length === 0) {
    if (files !== null) report(['path'], 'expected a file path or a list of them');
    return null;
  }
  let projectDir = dirOf(files[0] ?? '');
  if (fields.project_directory !== undefined) {
    const dir = typeof fields.project_directory === 'string' ? inside(fields.project_directory, parentDir, true) : { error: 'expected a folder path' };
    if ('error' in dir) {
      report(['project_directory'], dir.error);
      return null;
    }
    projectDir = dir.path;
  }
  const envFiles = fields.env_file === undefined ? null : pathList(fields.env_file, parentDir, ['env_file'], report);
  if (fields.env_file !== undefined && envFiles === null) return null;
  return { files, projectDir, envFiles };
}

/**
 * The variables an included file is interpolated with: the including project's, plus what the
 * included project's env files add (compose never lets them override the including project's).
 */
export async function includeVars(
  repo: RepoDir,
  entry: IncludeEntry,
  parentVars: Readonly<Record<string, string>>,
  lists: { problems: ProblemList; warnings: ProblemList; strict: boolean; report: (message: string) => void },
): Promise<Record<string, string>> {
  const files = entry.envFiles ?? [entry.projectDir === '' ? '.env' : `${entry.projectDir}/.env`];
  const added: Record<string, string> = {};
  for (const file of files) {
    const read = await repo.read(file, MAX_CONFIG_BYTES);
    if (!read.ok) {
      if (entry.envFiles !== null || !read.missing) lists.report(read.message);
      continue;
    }
    const parsed = parseDotenv(read.data.toString('utf8'));
    for (const p of parsed.problems) lists.problems.push({ file, line: p.line, key: '', message: p.message });
    Object.assign(
      added,
      expandDotenv(parsed, { ...added, ...parentVars }, lists.strict, {
        problem: (line, message) => lists.problems.push({ file, line, key: '', message }),
        warning: (line, message) => lists.warnings.push({ file, line, key: '', message }),
      }),
    );
  }
  return { ...added, ...parentVars };
}

function pathList(value: unknown, parentDir: string, at: KeyPath, report: Report): string[] | null {
  const raw = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((p): p is string => typeof p === 'string') ? value : null;
  if (raw === null) {
    report(at, 'expected a file path or a list of them');
    return null;
  }
  const out: string[] = [];
  for (const [i, p] of raw.entries()) {
    const rel = inside(p, parentDir, false);
    if ('error' in rel) report(typeof value === 'string' ? at : [...at, i], rel.error);
    else out.push(rel.path);
  }
  return out.length === raw.length ? out : null;
}

/** `p` (relative to `parentDir`) as a config-dir-relative path that stays inside the config dir. */
function inside(p: string, parentDir: string, folder: boolean): { path: string } | { error: string } {
  if (posix.isAbsolute(p) || p.startsWith('~')) return { error: `"${p}" must be a path relative to the including file's folder, inside the config dir` };
  const rebased = rebasePath(p, parentDir);
  if (folder && (rebased === '.' || rebased === '')) return { path: '' };
  const rel = normaliseRelative(rebased);
  return 'error' in rel ? { error: rel.error.replace(`"${rebased}"`, `"${p}"`) } : rel;
}

function dirOf(file: string): string {
  const dir = posix.dirname(file);
  return dir === '.' ? '' : dir;
}

/**
 * An included file's `environment` entries written without a value take it from the included
 * project's variables (compose resolves them in that project), where the main project's
 * variables, used for the rest later, would not have it.
 */
export function withBareEnvironment(tree: Record<string, unknown>, vars: Readonly<Record<string, string>>, mainVars: Readonly<Record<string, string>>): Record<string, unknown> {
  if (vars === mainVars || !isRecord(tree.services)) return tree;
  const fill = (key: string): string | undefined => (mainVars[key] === undefined ? vars[key] : undefined);
  const services: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(tree.services)) {
    if (!isRecord(def)) {
      services[name] = def;
      continue;
    }
    const env = def.environment;
    let filled: unknown = env;
    if (Array.isArray(env)) {
      filled = env.map((item: unknown) => {
        const value = typeof item === 'string' && !item.includes('=') ? fill(item) : undefined;
        return value === undefined ? item : `${String(item)}=${value}`;
      });
    } else if (isRecord(env)) {
      filled = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? (fill(key) ?? null) : value]));
    }
    services[name] = filled === env ? def : { ...def, environment: filled };
  }
  return { ...tree, services };
}
