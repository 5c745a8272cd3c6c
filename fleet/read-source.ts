// Reads a checkout of the fleet branch (fleet.yaml, stacks/, hosts/) into a FleetSource: the
// files are read first (the only I/O), then interpreted by the pure `sourceFromFiles`.

import { lstatSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { ConfigProblem } from '../agent/contracts/errors.js';
import { parseDotenv } from '../agent/desired/compose/dotenv.js';
import { isRecord } from '../agent/desired/compose/interpolate.js';
import { MAX_SOURCE_BYTES } from '../agent/desired/repo-files.js';
import { MAX_CONFIG_BYTES, parseYaml, type YamlFile } from '../agent/config-text/yaml-file.js';
import { COMPOSE_NAMES, FLEET_FILE, OVERRIDE_NAMES, type FleetSource, type HostSource, type StackSource } from './source.js';
import { HOST_NAME, STACK_NAME } from './schema.js';
import { parseFlatYaml } from './flat-yaml.js';

const whole = (file: string, message: string): ConfigProblem => ({ file, line: 1, key: '', message });

/**
 * Every regular file below `abs`, by relative POSIX path; symlinks and oversized files are refused.
 * Synchronous: a fleet has hundreds of small files, and the promise API costs several thread-pool
 * round trips per file for nothing (the command waits for them all anyway).
 */
function walk(abs: string, rel: string, out: Map<string, Buffer>, problems: ConfigProblem[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) walk(path.join(abs, e.name), childRel, out, problems);
    else if (e.isFile()) {
      const file = path.join(abs, e.name);
      if (lstatSync(file).size > MAX_SOURCE_BYTES) problems.push(whole(childRel, `is larger than ${MAX_SOURCE_BYTES} bytes`));
      else out.set(childRel, readFileSync(file));
    } else problems.push(whole(childRel, 'is not a regular file (symlinks are not supported in the fleet definition)'));
  }
}

function readIfThere(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

export async function readFleetSource(root: string): Promise<FleetSource> {
  const problems: ConfigProblem[] = [];
  const files = new Map<string, Buffer>();
  const fleet = readIfThere(path.join(root, FLEET_FILE));
  if (fleet) files.set(FLEET_FILE, fleet);
  walk(path.join(root, 'hosts'), 'hosts', files, problems);
  walk(path.join(root, 'stacks'), 'stacks', files, problems);
  const source = sourceFromFiles(files);
  if (!fleet) source.problems.push(whole(FLEET_FILE, `no ${FLEET_FILE} in ${root}: is this a checkout of the fleet branch?`));
  source.problems.unshift(...problems);
  return source;
}

function yamlOf(file: string, data: Buffer | undefined, problems: ConfigProblem[]): YamlFile | null {
  if (data === undefined) return null;
  if (data.length > MAX_CONFIG_BYTES) {
    problems.push(whole(file, `is larger than ${MAX_CONFIG_BYTES} bytes`));
    return null;
  }
  const text = data.toString('utf8');
  const flat = parseFlatYaml(file, text);
  if (flat) return flat;
  const parsed = parseYaml(file, text);
  if (!parsed.ok) problems.push(...parsed.problems);
  return parsed.ok ? parsed.yaml : null;
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

function stackFrom(name: string, all: Map<string, Buffer>, problems: ConfigProblem[]): StackSource {
  const base = `stacks/${name}`;
  const manifest = yamlOf(`${base}/moor.yaml`, all.get('moor.yaml'), problems);
  const names = composeNames(manifest, new Set(all.keys()));
  const compose: YamlFile[] = [];
  for (const n of names) {
    if (!all.has(n)) problems.push(whole(`${base}/moor.yaml`, `compose file ${n} does not exist in ${base}`));
    const yaml = yamlOf(`${base}/${n}`, all.get(n), problems);
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

/** Interprets the files of a fleet checkout, by path relative to its root. Pure. */
export function sourceFromFiles(files: ReadonlyMap<string, Buffer>): FleetSource {
  const problems: ConfigProblem[] = [];
  const fleet = yamlOf(FLEET_FILE, files.get(FLEET_FILE), problems);
  const hosts: HostSource[] = [];
  const stackFiles = new Map<string, Map<string, Buffer>>();
  for (const [rel, data] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const host = /^hosts\/([^/]+)$/.exec(rel);
    const stack = /^stacks\/([^/]+)\/(.+)$/.exec(rel);
    if (host?.[1]) {
      const m = /^(.*)\.ya?ml$/.exec(host[1]);
      if (!m?.[1] || !HOST_NAME.test(m[1])) problems.push(whole(rel, 'host files are named hosts/<host>.yaml with a valid host name'));
      else if (hosts.some((h) => h.name === m[1])) problems.push(whole(rel, `host ${m[1]} has two files`));
      else {
        const yaml = yamlOf(rel, data, problems);
        if (yaml) hosts.push({ name: m[1], yaml });
      }
    } else if (stack?.[1] && stack[2]) {
      if (!STACK_NAME.test(stack[1])) problems.push(whole(rel, `${stack[1]} is not a valid stack name`));
      else stackFiles.set(stack[1], (stackFiles.get(stack[1]) ?? new Map<string, Buffer>()).set(stack[2], data));
    } else if (rel !== FLEET_FILE && rel.startsWith('hosts/')) problems.push(whole(rel, 'hosts/ holds only <host>.yaml files'));
  }
  const stacks = new Map<string, StackSource>();
  for (const [name, all] of stackFiles) stacks.set(name, stackFrom(name, all, problems));
  return { fleet, hosts, stacks, problems };
}
