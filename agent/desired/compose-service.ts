// Turns one validated compose service into a normalised ContainerSpec: syntaxes parsed,
// defaults filled, maps sorted, set-like lists sorted, policy applied key by key.
import type { PolicySettings } from '../settings/model.js';
import type { ServiceInput } from './compose-schema.js';
import * as syntax from './compose-syntax.js';
import { BYTE_SIZE_HINT, parseByteSize } from './byte-size.js';
import { DURATION_HINT, parseDuration } from './duration.js';
import type { ContainerSpec, DependsOn, HealthcheckSpec, PortSpec } from './model.js';
import { capAddRefusal, deviceRefusal, privilegedRefusal } from './policy.js';
import { buildOf, builtImageName } from './compose-build.js';
import { mountsOf } from './compose-mounts.js';
import type { KeyPath, Locator, ProblemList } from './problems.js';
import { normaliseRelative } from './safe-path.js';

export interface ServiceContext {
  project: string;
  locator: Locator;
  problems: ProblemList;
  /** `.env` values, for environment entries written without a value. */
  envVars: Readonly<Record<string, string>>;
  /** Parsed env_files by normalised path relative to the config dir; null when unreadable. */
  envFiles: ReadonlyMap<string, Record<string, string> | null>;
  policy: PolicySettings;
  /** The project's directory on the host, against which relative paths resolve. */
  projectDir: string;
  /** Engine names of declared volumes and networks, by compose key. */
  volumeNames: ReadonlyMap<string, string>;
  networkNames: ReadonlyMap<string, string>;
}

export interface ServiceResult {
  spec: ContainerSpec;
  /** Where each port came from, for clash messages. */
  portPaths: { port: PortSpec; path: KeyPath }[];
}

const SECRET_KEY = /(pass|secret|token|key|credential|auth)/i;
const DEFAULT_HEALTH = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 };

export function normaliseService(service: string, input: ServiceInput, ctx: ServiceContext): ServiceResult {
  const base: KeyPath = ['services', service];
  const report = (path: KeyPath, message: string): void => ctx.problems.add(ctx.locator, [...base, ...path], message);
  const take = <T>(parsed: syntax.Parsed<T>, path: KeyPath): T | null => {
    if (parsed.ok) return parsed.value;
    report(path, parsed.error);
    return null;
  };

  if (input.image === undefined && input.build === undefined) report([], 'image or build is required');
  const build = buildOf(input.build, report);
  const { env, secretEnv } = environment(input, ctx, report);
  const portPaths = ports(input, take);
  const mounts = mountsOf(input, ctx, report, take);

  const privileged = input.privileged ?? false;
  const privRefusal = privilegedRefusal(privileged, ctx.policy);
  if (privRefusal) report(['privileged'], privRefusal);
  const caps = (key: 'cap_add' | 'cap_drop'): string[] =>
    syntax.sortedSet((input[key] ?? []).map((c) => c.trim().toUpperCase().replace(/^CAP_/, '')));
  const capAdd = caps('cap_add');
  (input.cap_add ?? []).forEach((raw, i) => {
    const refusal = capAddRefusal(raw.trim().toUpperCase().replace(/^CAP_/, ''), ctx.policy);
    if (refusal) report(['cap_add', i], refusal);
  });
  // The engine refuses these only at create time, half-way through an apply: refuse them here.
  for (const key of ['cap_add', 'cap_drop'] as const) (input[key] ?? []).forEach((raw, i) => take(syntax.parseCapability(raw), [key, i]));
  if (input.stop_signal !== undefined) take(syntax.parseStopSignal(input.stop_signal), ['stop_signal']);
  if (input.working_dir !== undefined && !input.working_dir.startsWith('/')) report(['working_dir'], 'must be an absolute path');

  const devices = (input.devices ?? []).flatMap((text, i) => {
    const device = take(syntax.parseDevice(text), ['devices', i]);
    if (!device) return [];
    const refusal = deviceRefusal(device.hostPath, ctx.policy);
    if (refusal) report(['devices', i], refusal);
    return [device];
  });

  const networkMode = input.network_mode ?? null;
  if (networkMode !== null && !/^(none|host|bridge|(container|service):[A-Za-z0-9][A-Za-z0-9_.-]*)$/.test(networkMode)) {
    report(['network_mode'], `"${networkMode}" is not none, host, bridge, container:NAME or service:NAME`);
  }
  if (networkMode !== null && input.networks !== undefined) report(['networks'], 'cannot be combined with network_mode');
  const networkKeys = input.networks === undefined ? (networkMode === null ? ['default'] : []) : listOrKeys(input.networks);
  const networks = syntax.sortedSet(
    networkKeys.flatMap((key) => {
      const name = ctx.networkNames.get(key);
      if (name === undefined) report(['networks', key], `network "${key}" is not declared under top-level networks`);
      return name === undefined ? [] : [name];
    }),
  );

  const containerName = input.container_name ?? null;
  if (containerName !== null && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(containerName)) {
    report(['container_name'], `"${containerName}" is not a valid container name`);
  }
  const update = input['x-moor']?.update ?? 'stop-first';
  if (update === 'start-first') {
    if (containerName !== null) report(['x-moor', 'update'], 'start-first cannot be used with container_name (two containers would need the same name)');
    if (portPaths.some((p) => p.port.hostPort !== null)) report(['x-moor', 'update'], 'start-first cannot be used with a fixed host port (both containers would bind it)');
  }

  const duration = (key: 'stop_grace_period', fallback: number): number => {
    const raw = input[key];
    if (raw === undefined) return fallback;
    const ms = parseDuration(raw);
    if (ms === null) report([key], DURATION_HINT);
    return ms ?? fallback;
  };
  let memLimitBytes: number | null = null;
  if (input.mem_limit !== undefined) {
    memLimitBytes = parseByteSize(input.mem_limit);
    if (memLimitBytes === null) report(['mem_limit'], BYTE_SIZE_HINT);
  }
  let nanoCpus: number | null = null;
  if (input.cpus !== undefined) {
    const cpus = Number(input.cpus);
    if (!Number.isFinite(cpus) || cpus <= 0) report(['cpus'], 'expected a positive number of CPUs, like 0.5 or 2');
    else nanoCpus = Math.round(cpus * 1e9);
  }

  const spec: ContainerSpec = {
    project: ctx.project,
    service,
    name: containerName ?? `${ctx.project}-${service}`,
    image: input.image ?? (input.build !== undefined ? builtImageName(ctx.project, service) : ''),
    pullPolicy: input.pull_policy === undefined || input.pull_policy === 'if_not_present' ? 'missing' : input.pull_policy,
    command: commandOf(input.command, ['command'], take),
    entrypoint: commandOf(input.entrypoint, ['entrypoint'], take),
    env,
    ports: portPaths.map((p) => p.port).sort(comparePorts),
    mounts,
    restart: input.restart === undefined ? 'no' : (take(syntax.parseRestart(input.restart), ['restart']) ?? 'no'),
    labels: stringMap(input.labels, ['labels'], report),
    healthcheck: healthcheckOf(input.healthcheck, report),
    dependsOn: dependsOn(input.depends_on),
    networks,
    networkMode,
    user: input.user === undefined ? null : String(input.user),
    workingDir: input.working_dir ?? null,
    hostname: input.hostname ?? null,
    extraHosts: extraHosts(input.extra_hosts, take),
    devices: devices.sort((a, b) => a.containerPath.localeCompare(b.containerPath)),
    capAdd,
    capDrop: caps('cap_drop'),
    privileged,
    stopGracePeriodMs: duration('stop_grace_period', 10_000),
    stopSignal: input.stop_signal ?? null,
    memLimitBytes,
    nanoCpus,
    logging: input.logging
      ? { driver: input.logging.driver ?? 'json-file', options: syntax.sortedRecord(input.logging.options ?? {}) }
      : null,
    init: input.init ?? false,
    readOnly: input.read_only ?? false,
    update,
    secretEnv,
    ...(build ? { build } : {}),
    hash: '',
  };
  return { spec, portPaths };
}

export type Report = (path: KeyPath, message: string) => void;
export type Take = <T>(parsed: syntax.Parsed<T>, path: KeyPath) => T | null;

function environment(input: ServiceInput, ctx: ServiceContext, report: Report): { env: Record<string, string>; secretEnv: string[] } {
  const env: Record<string, string> = {};
  const fromFile = new Set<string>();
  const files = input.env_file === undefined ? [] : typeof input.env_file === 'string' ? [input.env_file] : input.env_file;
  files.forEach((file, i) => {
    const at: KeyPath = typeof input.env_file === 'string' ? ['env_file'] : ['env_file', i];
    const rel = normaliseRelative(file);
    if ('error' in rel) {
      report(at, rel.error);
      return;
    }
    const vars = ctx.envFiles.get(rel.path);
    // null: load.ts could not read it and has said why.
    if (vars === undefined) report(at, `env_file "${file}" was not found in the config dir`);
    for (const [k, v] of Object.entries(vars ?? {})) {
      env[k] = v;
      fromFile.add(k);
    }
  });
  const explicit = stringMap(input.environment, ['environment'], report, (key) => ctx.envVars[key]);
  for (const [k, v] of Object.entries(explicit)) {
    env[k] = v;
    fromFile.delete(k);
  }
  const secretEnv = Object.keys(env).filter((k) => fromFile.has(k) || SECRET_KEY.test(k));
  return { env: syntax.sortedRecord(env), secretEnv: syntax.sortedSet(secretEnv) };
}

/** Map or `KEY=VALUE` list -> sorted record. `fallback` supplies values written without one. */
function stringMap(
  input: Record<string, string | null> | string[] | undefined,
  path: KeyPath,
  report: Report,
  fallback?: (key: string) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  const resolve = (key: string, value: string | null, at: KeyPath): void => {
    if (value !== null) out[key] = value;
    else if (fallback?.(key) !== undefined) out[key] = fallback(key) ?? '';
    else report(at, fallback ? `${key} has no value and is not set in .env` : `${key} has no value`);
  };
  if (Array.isArray(input)) {
    input.forEach((item, i) => {
      const eq = item.indexOf('=');
      resolve(eq < 0 ? item : item.slice(0, eq), eq < 0 ? null : item.slice(eq + 1), [...path, i]);
    });
  } else if (input) {
    for (const [key, value] of Object.entries(input)) resolve(key, value, [...path, key]);
  }
  return syntax.sortedRecord(out);
}

function ports(input: ServiceInput, take: Take): { port: PortSpec; path: KeyPath }[] {
  return (input.ports ?? []).flatMap((item, i) => {
    const path: KeyPath = ['ports', i];
    const port = take(typeof item === 'object' ? syntax.parsePortLong(item) : syntax.parsePortShort(item), path);
    return port ? [{ port, path }] : [];
  });
}

function comparePorts(a: PortSpec, b: PortSpec): number {
  return (
    a.containerPort - b.containerPort ||
    a.protocol.localeCompare(b.protocol) ||
    a.hostIp.localeCompare(b.hostIp) ||
    (a.hostPort ?? 0) - (b.hostPort ?? 0)
  );
}

function commandOf(input: string | string[] | null | undefined, path: KeyPath, take: Take): string[] | null {
  if (input === undefined || input === null) return null;
  return Array.isArray(input) ? input : take(syntax.splitCommand(input), path);
}

function healthcheckOf(input: ServiceInput['healthcheck'], report: Report): HealthcheckSpec | null {
  if (input === undefined) return null;
  if (input.disable === true) return { test: ['NONE'], ...DEFAULT_HEALTH };
  let test: string[] = [];
  if (typeof input.test === 'string') test = ['CMD-SHELL', input.test];
  else if (input.test !== undefined) test = input.test;
  if (test.length === 0 || !['CMD', 'CMD-SHELL', 'NONE'].includes(test[0] ?? '') || (test[0] !== 'NONE' && test.length < 2)) {
    report(['healthcheck', 'test'], 'expected a command string, or a list starting with CMD, CMD-SHELL or NONE');
  }
  const ms = (key: 'interval' | 'timeout' | 'start_period', fallback: number): number => {
    const raw = input[key];
    if (raw === undefined) return fallback;
    const value = parseDuration(raw);
    if (value === null) report(['healthcheck', key], DURATION_HINT);
    return value ?? fallback;
  };
  return {
    test,
    intervalMs: ms('interval', DEFAULT_HEALTH.intervalMs),
    timeoutMs: ms('timeout', DEFAULT_HEALTH.timeoutMs),
    retries: input.retries ?? DEFAULT_HEALTH.retries,
    startPeriodMs: ms('start_period', DEFAULT_HEALTH.startPeriodMs),
  };
}

function dependsOn(input: ServiceInput['depends_on']): DependsOn[] {
  if (input === undefined) return [];
  const entries: DependsOn[] = Array.isArray(input)
    ? input.map((service) => ({ service, condition: 'service_started' }))
    : Object.entries(input).map(([service, v]) => ({ service, condition: v?.condition ?? 'service_started' }));
  return entries.sort((a, b) => a.service.localeCompare(b.service));
}

function extraHosts(input: ServiceInput['extra_hosts'], take: Take): string[] {
  if (input === undefined) return [];
  const items = Array.isArray(input)
    ? input.map((text, i) => take(syntax.parseExtraHost(text), ['extra_hosts', i]))
    : Object.entries(input).map(([host, ip]) => take(syntax.parseExtraHost(`${host}=${ip}`), ['extra_hosts', host]));
  return syntax.sortedSet(items.filter((h): h is string => h !== null));
}

function listOrKeys(input: string[] | Record<string, unknown>): string[] {
  return Array.isArray(input) ? input : Object.keys(input);
}
