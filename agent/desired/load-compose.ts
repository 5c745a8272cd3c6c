// Reads the compose side of a config dir: .env (and .env.age through the secrets session), the
// compose files assembled and merged, every env_file; then builds the containers, networks and volumes.

import type { SecretsSession } from './secrets-port.js';
import { buildCompose, type ComposeResult } from './compose/project.js';
import { adoptOf, manifestAdopts } from './compose/adopt.js';
import { envFileEntries } from './compose/env.js';
import { assembleCompose } from './compose/files.js';
import { mergedLocator } from './compose/merge.js';
import { expandDotenv, parseDotenv } from './compose/dotenv.js';
import { isRecord } from './compose/interpolate.js';
import type { Manifest } from './manifest.js';
import type { Locator } from '../config-text/problems.js';
import { normaliseRelative } from '../config-text/safe-path.js';
import { MAX_CONFIG_BYTES } from '../config-text/yaml-file.js';
import type { RepoDir } from './repo-files.js';
import { SECRET_NAME } from './secrets.js';
import { wholeFile, type LoadLists, type LoadOptions } from './load-lists.js';

export async function readCompose(
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
      ...(options.serviceMemo ? { memo: options.serviceMemo } : {}),
    },
    problems,
  );
  return { ...built, locator, ...(adopt ? { adopt } : {}) };
}

export async function readDotenv(
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

export const isSecretName = (key: string): boolean => SECRET_NAME.test(key);
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
