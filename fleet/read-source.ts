// Reads a checkout of the fleet branch (fleet.yaml, stacks/, hosts/) into a FleetSource.
// Only this module touches the filesystem on the way in; rendering is pure.

import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigProblem } from '../agent/errors.js';
import { parseDotenv } from '../agent/desired/dotenv.js';
import { isRecord } from '../agent/desired/interpolate.js';
import { MAX_SOURCE_BYTES } from '../agent/desired/repo-files.js';
import { MAX_CONFIG_BYTES, parseYaml, type YamlFile } from '../agent/desired/yaml-file.js';
import { COMPOSE_NAMES, FLEET_FILE, OVERRIDE_NAMES, type FleetSource, type HostSource, type StackSource } from './source.js';
import { HOST_NAME, STACK_NAME } from './schema.js';

const whole = (file: string, message: string): ConfigProblem => ({ file, line: 1, key: '', message });

async function readText(abs: string, rel: string, max: number, problems: ConfigProblem[]): Promise<string | null> {
  try {
    const info = await lstat(abs);
    if (!info.isFile()) {
      problems.push(whole(rel, 'is not a regular file (symlinks are not followed)'));
      return null;
    }
    if (info.size > max) {
      problems.push(whole(rel, `is larger than ${max} bytes`));
      return null;
    }
    return await readFile(abs, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return null;
    problems.push(whole(rel, `cannot be read: ${String(err)}`));
    return null;
  }
}

async function readYamlFile(root: string, rel: string, problems: ConfigProblem[]): Promise<YamlFile | null> {
  const text = await readText(path.join(root, rel), rel, MAX_CONFIG_BYTES, problems);
  if (text === null) return null;
  const parsed = parseYaml(rel, text);
  if (!parsed.ok) problems.push(...parsed.problems);
  return parsed.ok ? parsed.yaml : null;
}

async function listDir(abs: string): Promise<{ name: string; dir: boolean; file: boolean }[]> {
  const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
  return entries.map((e) => ({ name: e.name, dir: e.isDirectory(), file: e.isFile() })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every regular file below `abs`, by relative POSIX path; symlinks are refused. */
async function walk(abs: string, rel: string, out: Map<string, Buffer>, problems: ConfigProblem[], base: string): Promise<void> {
  for (const e of await listDir(abs)) {
    const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.dir) await walk(path.join(abs, e.name), childRel, out, problems, base);
    else if (e.file) {
      const info = await lstat(path.join(abs, e.name));
      if (info.size > MAX_SOURCE_BYTES) problems.push(whole(`${base}/${childRel}`, `is larger than ${MAX_SOURCE_BYTES} bytes`));
      else out.set(childRel, await readFile(path.join(abs, e.name)));
    } else problems.push(whole(`${base}/${childRel}`, 'is not a regular file (symlinks are not supported in stacks)'));
  }
}

/** The compose files a stack names in its moor.yaml, or its default file and override. */
function composeNames(manifest: YamlFile | null, present: ReadonlySet<string>): string[] {
  const named = isRecord(manifest?.value) ? manifest.value.compose : undefined;
  if (typeof named === 'string') return [named];
  if (Array.isArray(named)) return named.filter((n): n is string => typeof n === 'string');
  const base = COMPOSE_NAMES.find((n) => present.has(n));
  const over = OVERRIDE_NAMES.find((n) => present.has(n));
  return [base, over].filter((n): n is string => n !== undefined);
}

async function readStack(root: string, name: string, problems: ConfigProblem[]): Promise<StackSource> {
  const base = `stacks/${name}`;
  const all = new Map<string, Buffer>();
  await walk(path.join(root, base), '', all, problems, base);
  const manifest = all.has('moor.yaml') ? await readYamlFile(root, `${base}/moor.yaml`, problems) : null;
  const names = composeNames(manifest, new Set(all.keys()));
  const compose: YamlFile[] = [];
  for (const n of names) {
    if (!all.has(n)) {
      problems.push(whole(`${base}/moor.yaml`, `compose file ${n} does not exist in ${base}`));
      continue;
    }
    const yaml = await readYamlFile(root, `${base}/${n}`, problems);
    if (yaml) compose.push(yaml);
  }
  let env: Record<string, string> = {};
  const envText = all.get('.env');
  if (envText) {
    const parsed = parseDotenv(envText.toString('utf8'));
    for (const p of parsed.problems) problems.push({ file: `${base}/.env`, line: p.line, key: '', message: p.message });
    env = parsed.vars;
  }
  for (const consumed of [...names, 'moor.yaml', '.env']) all.delete(consumed);
  return { name, compose, manifest, env, files: all };
}

export async function readFleetSource(root: string): Promise<FleetSource> {
  const problems: ConfigProblem[] = [];
  const fleet = await readYamlFile(root, FLEET_FILE, problems);
  if (fleet === null && !problems.some((p) => p.file === FLEET_FILE)) problems.push(whole(FLEET_FILE, `no ${FLEET_FILE} in ${root}: is this a checkout of the fleet branch?`));
  const hosts: HostSource[] = [];
  for (const e of await listDir(path.join(root, 'hosts'))) {
    if (e.dir) continue;
    const m = /^(.*)\.ya?ml$/.exec(e.name);
    if (!m?.[1] || !HOST_NAME.test(m[1])) {
      problems.push(whole(`hosts/${e.name}`, 'host files are named hosts/<host>.yaml with a valid host name'));
      continue;
    }
    const yaml = await readYamlFile(root, `hosts/${e.name}`, problems);
    if (yaml) hosts.push({ name: m[1], yaml });
  }
  const stacks = new Map<string, StackSource>();
  for (const e of await listDir(path.join(root, 'stacks'))) {
    if (!e.dir) continue;
    if (!STACK_NAME.test(e.name)) problems.push(whole(`stacks/${e.name}`, 'not a valid stack name'));
    else stacks.set(e.name, await readStack(root, e.name, problems));
  }
  hosts.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { fleet, hosts, stacks, problems };
}
