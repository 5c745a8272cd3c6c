// The host manifest `moor.yaml`: which compose files, which systemd units and managed files,
// rollout, maintenance window and pruning. Validated here without I/O; load.ts reads the
// files it names.
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import type { PolicySettings } from './policy-settings.js';
import { DURATION_HINT, parseDuration } from '../config-text/duration.js';
import { DEFAULT_ROLLOUT, type RolloutSpec, type UnitState, type WindowSpec } from './model.js';
import { fileModeRefusal, filePathRefusal } from './policy.js';
import type { KeyPath, Locator, ProblemList } from '../config-text/problems.js';
import { normaliseAbsolute, normaliseRelative } from '../config-text/safe-path.js';
import { unitNameProblem } from './unit-name.js';

export const MANIFEST_FILE = 'moor.yaml';
export const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
export const PROFILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const durationish = z.union([z.string(), z.number()]);
const idish = z.union([z.string(), z.number().int()]).transform(String);

/** moor.yaml as written; config/moor.schema.json is generated from it (test/unit/desired/manifest-schema.test.ts). */
export const manifestSchema = z.strictObject({
  compose: z.union([z.string(), z.array(z.string())]).optional(),
  units: z
    .array(
      z.strictObject({
        name: z.string(),
        enabled: boolish.optional(),
        state: z.enum(['running', 'stopped']).optional(),
        mask: boolish.optional(),
        onChange: z.enum(['restart', 'reload']).optional(),
      }),
    )
    .nullable()
    .optional(),
  files: z
    .array(
      z.strictObject({
        path: z.string(),
        source: z.string(),
        mode: z.string().optional(),
        owner: idish.optional(),
        group: idish.optional(),
        restarts: z.array(z.string()).optional(),
      }),
    )
    .nullable()
    .optional(),
  rollout: z.strictObject({ healthTimeout: durationish.optional(), rollback: boolish.optional() }).optional(),
  window: z.strictObject({ schedule: z.string(), duration: durationish }).optional(),
  prune: z.strictObject({ volumes: boolish.optional() }).optional(),
  profiles: z.union([z.string(), z.array(z.string())]).optional(),
  labels: z.record(z.string(), z.string()).optional(), // the host's fleet labels, reported to the hub
  adopt: z
    .union([boolish, z.array(z.string())], { error: 'expected true, false or a list of compose project names' })
    .optional()
    .describe('Take over the running docker compose project: true for the commit\'s project, or the project names that may be taken over'),
});

export interface ManifestUnit {
  name: string;
  enabled: boolean | null;
  state: UnitState | null;
  mask: boolean;
  onChange: 'restart' | 'reload';
  at: KeyPath;
}

export interface ManifestFile {
  path: string;
  /** Normalised, relative to the config dir. */
  source: string;
  mode: number;
  owner: string | null;
  group: string | null;
  restarts: string[];
  at: KeyPath;
}

export interface Manifest {
  /** Compose files named by `compose:`, or null to look for the default names. */
  compose: { file: string; at: KeyPath }[] | null;
  units: ManifestUnit[];
  files: ManifestFile[];
  rollout: RolloutSpec;
  window: WindowSpec | null;
  pruneVolumes: boolean;
  /** Compose profiles to enable (`profiles:`), or null to take COMPOSE_PROFILES from .env. */
  profiles: string[] | null;
  labels: Record<string, string>;
  /**
   * `adopt:` take over the running docker compose project (see compose-adopt.ts): `true` for the
   * commit's project, or the project names it may take over; null when absent or false.
   */
  adopt: { projects: string[] | null; at: KeyPath } | null;
}

export function emptyManifest(): Manifest {
  return { compose: null, units: [], files: [], rollout: { ...DEFAULT_ROLLOUT }, window: null, pruneVolumes: false, profiles: null, labels: {}, adopt: null };
}

/** Why a unit name is unacceptable, or null. Also used for files found under `units/`. */
export function parseManifest(value: unknown, locator: Locator, policy: PolicySettings, problems: ProblemList): Manifest {
  const manifest = emptyManifest();
  if (value === null || value === undefined) return manifest;
  const m = problems.parse(manifestSchema, value, locator, []);
  if (m === null) return manifest;
  const report = (path: KeyPath, message: string): void => problems.add(locator, path, message);

  if (m.compose !== undefined) {
    const list = typeof m.compose === 'string' ? [m.compose] : m.compose;
    manifest.compose = list.flatMap((file, i) => {
      const at: KeyPath = typeof m.compose === 'string' ? ['compose'] : ['compose', i];
      const rel = normaliseRelative(file);
      if ('error' in rel) report(at, rel.error);
      return 'error' in rel ? [] : [{ file: rel.path, at }];
    });
  }

  const unitNames = new Set<string>();
  (m.units ?? []).forEach((u, i) => {
    const at: KeyPath = ['units', i];
    const problem = unitNameProblem(u.name);
    if (problem) report([...at, 'name'], problem);
    else if (unitNames.has(u.name)) report([...at, 'name'], `unit ${u.name} is listed twice`);
    unitNames.add(u.name);
    const mask = u.mask ?? false;
    if (mask && (u.enabled === true || u.state === 'running')) report(at, 'a masked unit cannot be enabled or running');
    manifest.units.push({ name: u.name, enabled: u.enabled ?? null, state: u.state ?? null, mask, onChange: u.onChange ?? 'restart', at });
  });

  const paths = new Set<string>();
  (m.files ?? []).forEach((f, i) => {
    const at: KeyPath = ['files', i];
    const target = normaliseAbsolute(f.path);
    if ('error' in target) report([...at, 'path'], target.error);
    else {
      const refusal = filePathRefusal(target.path, policy);
      if (refusal) report([...at, 'path'], refusal);
      if (paths.has(target.path)) report([...at, 'path'], `${target.path} is listed twice`);
      paths.add(target.path);
    }
    const source = normaliseRelative(f.source);
    if ('error' in source) report([...at, 'source'], source.error);
    const mode = f.mode ?? '0644';
    if (!/^0?[0-7]{3,4}$/.test(mode)) report([...at, 'mode'], `"${mode}" is not an octal mode like "0644" (quote it)`);
    else {
      const refusal = fileModeRefusal(parseInt(mode, 8), policy);
      if (refusal) report([...at, 'mode'], refusal);
    }
    manifest.files.push({
      path: 'error' in target ? f.path : target.path,
      source: 'error' in source ? f.source : source.path,
      mode: parseInt(mode, 8) || 0o644,
      owner: f.owner ?? null,
      group: f.group ?? null,
      restarts: [...new Set(f.restarts ?? [])].sort(),
      at,
    });
  });

  if (m.rollout) {
    const ms = m.rollout.healthTimeout === undefined ? DEFAULT_ROLLOUT.healthTimeoutMs : parseDuration(m.rollout.healthTimeout);
    if (ms === null) report(['rollout', 'healthTimeout'], DURATION_HINT);
    manifest.rollout = { healthTimeoutMs: ms ?? DEFAULT_ROLLOUT.healthTimeoutMs, rollback: m.rollout.rollback ?? DEFAULT_ROLLOUT.rollback };
  }
  if (m.window) {
    if (!validateCron(m.window.schedule)) report(['window', 'schedule'], `"${m.window.schedule}" is not a valid cron expression`);
    const ms = parseDuration(m.window.duration);
    if (ms === null || ms === 0) report(['window', 'duration'], DURATION_HINT);
    manifest.window = { schedule: m.window.schedule, durationMs: ms ?? 0 };
  }
  manifest.pruneVolumes = m.prune?.volumes ?? false;
  if (m.profiles !== undefined) {
    const list = typeof m.profiles === 'string' ? m.profiles.split(',') : m.profiles;
    manifest.profiles = list.map((p) => p.trim()).filter((p) => p !== '');
    manifest.profiles.forEach((p, i) => {
      if (!PROFILE_NAME.test(p) && p !== '*') report(typeof m.profiles === 'string' ? ['profiles'] : ['profiles', i], `"${p}" is not a valid profile name`);
    });
  }
  manifest.labels = m.labels ?? {};
  if (m.adopt !== undefined && m.adopt !== false) manifest.adopt = { projects: m.adopt === true ? null : m.adopt, at: ['adopt'] };
  return manifest;
}

/** `restarts:` of files must name units that exist in the final unit list. */
export function checkFileRestarts(manifest: Manifest, units: ReadonlySet<string>, locator: Locator, problems: ProblemList): void {
  for (const f of manifest.files) {
    for (const name of f.restarts) {
      if (!units.has(name)) problems.add(locator, [...f.at, 'restarts'], `unit ${name} is not declared under units`);
    }
  }
}
