// Turns one validated compose service into a normalised ContainerSpec: syntaxes parsed,
// defaults filled, maps sorted, set-like lists sorted, policy applied key by key.
import type { ServiceInput } from './schema.js';
import * as syntax from './syntax.js';
import { BYTE_SIZE_HINT, parseByteSize } from '../../config-text/byte-size.js';
import { DURATION_HINT, parseDuration } from '../../config-text/duration.js';
import type { ContainerSpec, DependsOn, MountSpec, PortSpec } from '../model.js';
import { capAddRefusal, deviceRefusal, privilegedRefusal } from '../policy.js';
import { buildOf, builtImageName } from './build.js';
import { environment, healthcheckOf, stringMap } from './env.js';
import { mountsOf } from './mounts.js';
import { deployFields, runtimeFields } from './runtime.js';
import { fileMountsOf } from './secret-mounts.js';
import type { KeyPath } from '../../config-text/problems.js';
import type { Report, ServiceContext, Take } from './service-context.js';

export type { Report, ServiceContext, Take };

export interface ServiceResult {
  spec: ContainerSpec;
  /** Where each port came from, for clash messages. */
  portPaths: { port: PortSpec; path: KeyPath }[];
}


export function normaliseService(service: string, input: ServiceInput, ctx: ServiceContext): ServiceResult {
  const checks = checksFor(service, ctx);
  const parts = readParts(input, ctx, checks);
  return { spec: specOf(service, input, ctx, parts, checks), portPaths: parts.portPaths };
}

/** Problems and warnings of one service, at key paths under services.<service>. */
interface Checks {
  report: Report;
  warn: Report;
  take: Take;
}

function checksFor(service: string, ctx: ServiceContext): Checks {
  const base: KeyPath = ['services', service];
  const report = (path: KeyPath, message: string): void => ctx.problems.add(ctx.locator, [...base, ...path], message);
  const take = <T>(parsed: syntax.Parsed<T>, path: KeyPath): T | null => {
    if (parsed.ok) return parsed.value;
    report(path, parsed.error);
    return null;
  };
  const warn = (path: KeyPath, message: string): void => ctx.warnings.add(ctx.locator, [...base, ...path], message);
  return { report, warn, take };
}

/** Reads and checks the keys that need more than a parse, in the order their problems are reported. */
function readParts(input: ServiceInput, ctx: ServiceContext, { report, warn, take }: Checks) {
  if (input.image === undefined && input.build === undefined) report([], 'image or build is required');
  const build = buildOf(input.build, report);
  const { env, secretEnv } = environment(input, ctx, { problem: report, warning: warn });
  const portPaths = ports(input, take);
  const secrets = fileMountsOf('secrets', input, ctx, { problem: report, warning: warn }, take);
  const configs = fileMountsOf('configs', input, ctx, { problem: report, warning: warn }, take);
  const mounts = mountsOf(input, ctx, report, take, [...secrets.mounts, ...configs.mounts]);
  const runtime = runtimeFields(input, ctx, report, take);
  const deploy = deployFields(input, report);
  const { privileged, capAdd, capDrop } = privilegeFields(input, ctx, report, take);
  const devices = devicesOf(input, ctx, report, take);
  const { networkMode, networks } = networksOf(input, ctx, report);
  const { containerName, update } = nameAndUpdate(input, portPaths, runtime.endpoints, report);
  const { memLimitBytes, nanoCpus } = limitsOf(input, deploy, report);
  const restart = input.restart === undefined ? (deploy.restart ?? 'no') : (take(syntax.parseRestart(input.restart), ['restart']) ?? 'no');
  const { impliedDeps, ...rest } = runtime;
  const files = [...secrets.files, ...configs.files];
  return {
    build, env, secretEnv, portPaths, files, mounts, privileged, capAdd, capDrop, devices,
    networkMode, networks, containerName, update, memLimitBytes, nanoCpus, restart, impliedDeps, rest,
  };
}

type ServiceParts = ReturnType<typeof readParts>;

/** container_name's syntax, and x-moor.update: start-first needs no fixed name, host port or network address. */
function nameAndUpdate(
  input: ServiceInput,
  portPaths: ServiceResult['portPaths'],
  endpoints: ContainerSpec['endpoints'],
  report: Report,
): { containerName: string | null; update: ContainerSpec['update'] } {
  const containerName = input.container_name ?? null;
  if (containerName !== null && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(containerName)) {
    report(['container_name'], `"${containerName}" is not a valid container name`);
  }
  const update = input['x-moor']?.update ?? 'stop-first';
  if (update === 'start-first') {
    if (containerName !== null) report(['x-moor', 'update'], 'start-first cannot be used with container_name (two containers would need the same name)');
    if (portPaths.some((p) => p.port.hostPort !== null)) report(['x-moor', 'update'], 'start-first cannot be used with a fixed host port (both containers would bind it)');
    if (Object.values(endpoints).some((e) => e.ipv4Address !== null || e.ipv6Address !== null)) {
      report(['x-moor', 'update'], 'start-first cannot be used with ipv4_address or ipv6_address (both containers would need the address)');
    }
  }
  return { containerName, update };
}

/** The spec from the parts; the keys parsed here (command to stop_grace_period) report after the parts' problems. */
function specOf(service: string, input: ServiceInput, ctx: ServiceContext, p: ServiceParts, { report, take }: Checks): ContainerSpec {
  return {
    project: ctx.project,
    service,
    name: p.containerName ?? `${ctx.project}-${service}`,
    image: input.image ?? (input.build !== undefined ? builtImageName(ctx.project, service) : ''),
    pullPolicy: input.pull_policy === undefined || input.pull_policy === 'if_not_present' ? 'missing' : input.pull_policy,
    command: commandOf(input.command, ['command'], take),
    entrypoint: commandOf(input.entrypoint, ['entrypoint'], take),
    env: p.env,
    ports: p.portPaths.map((pp) => pp.port).sort(comparePorts),
    mounts: p.mounts,
    restart: p.restart,
    labels: stringMap(input.labels, ['labels'], report),
    healthcheck: healthcheckOf(input.healthcheck, report),
    dependsOn: dependsOn(input.depends_on, p.impliedDeps),
    networks: p.networks,
    networkMode: p.networkMode,
    user: input.user === undefined ? null : String(input.user),
    workingDir: input.working_dir ?? null,
    hostname: input.hostname ?? null,
    extraHosts: extraHosts(input.extra_hosts, take),
    devices: p.devices.sort((a, b) => a.containerPath.localeCompare(b.containerPath)),
    capAdd: p.capAdd,
    capDrop: p.capDrop,
    privileged: p.privileged,
    stopGracePeriodMs: stopGraceOf(input, report),
    stopSignal: input.stop_signal ?? null,
    memLimitBytes: p.memLimitBytes,
    nanoCpus: p.nanoCpus,
    // Without a driver the daemon's default driver applies, with these options.
    logging: input.logging ? { driver: input.logging.driver ?? null, options: syntax.sortedRecord(input.logging.options ?? {}) } : null,
    init: input.init ?? null,
    readOnly: input.read_only ?? false,
    update: p.update,
    ...p.rest,
    files: p.files.sort((a, b) => a.target.localeCompare(b.target)),
    secretEnv: syntax.sortedSet([...p.secretEnv, ...p.files.map((f) => f.variable).filter((v) => v !== '' && v in p.env)]),
    ...(p.build ? { build: p.build } : {}),
    hash: '',
  };
}

/** privileged and capabilities, checked against the policy; stop_signal and working_dir syntax. */
function privilegeFields(input: ServiceInput, ctx: ServiceContext, report: Report, take: Take): { privileged: boolean; capAdd: string[]; capDrop: string[] } {
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
  return { privileged, capAdd, capDrop: caps('cap_drop') };
}

function devicesOf(input: ServiceInput, ctx: ServiceContext, report: Report, take: Take): ContainerSpec['devices'] {
  return (input.devices ?? []).flatMap((text, i) => {
    const device = take(syntax.parseDevice(text), ['devices', i]);
    if (!device) return [];
    const refusal = deviceRefusal(device.hostPath, ctx.policy);
    if (refusal) report(['devices', i], refusal);
    return [device];
  });
}

function networksOf(input: ServiceInput, ctx: ServiceContext, report: Report): { networkMode: string | null; networks: string[] } {
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
  return { networkMode, networks };
}

function stopGraceOf(input: ServiceInput, report: Report): number {
  const raw = input.stop_grace_period;
  if (raw === undefined) return 10_000;
  const ms = parseDuration(raw);
  if (ms === null) report(['stop_grace_period'], DURATION_HINT);
  return ms ?? 10_000;
}

/** mem_limit and cpus, which must agree with deploy.resources.limits when both are set. */
function limitsOf(input: ServiceInput, deploy: { memLimitBytes: number | null; nanoCpus: number | null }, report: Report): { memLimitBytes: number | null; nanoCpus: number | null } {
  // 0 means no limit, as the engine reports it: kept as null so that a no-op sync sees no change.
  let memLimitBytes: number | null = null;
  if (input.mem_limit !== undefined) {
    memLimitBytes = parseByteSize(input.mem_limit);
    if (memLimitBytes === null) report(['mem_limit'], BYTE_SIZE_HINT);
    if (memLimitBytes === 0) memLimitBytes = null;
  }
  let nanoCpus: number | null = null;
  if (input.cpus !== undefined) {
    const cpus = Number(input.cpus);
    if (!Number.isFinite(cpus) || cpus < 0) report(['cpus'], 'expected a positive number of CPUs, like 0.5 or 2');
    else nanoCpus = cpus === 0 ? null : Math.round(cpus * 1e9);
  }
  for (const [key, mine, theirs] of [['mem_limit', memLimitBytes, deploy.memLimitBytes], ['cpus', nanoCpus, deploy.nanoCpus]] as const) {
    if (mine !== null && theirs !== null && mine !== theirs) report([key], `differs from deploy.resources.limits (${key === 'cpus' ? 'cpus' : 'memory'}); set one of them`);
  }
  return { memLimitBytes: memLimitBytes ?? deploy.memLimitBytes, nanoCpus: nanoCpus ?? deploy.nanoCpus };
}

function ports(input: ServiceInput, take: Take): { port: PortSpec; path: KeyPath }[] {
  return (input.ports ?? []).flatMap((item, i) => {
    const path: KeyPath = ['ports', i];
    const list = take(typeof item === 'object' ? mapParsed(syntax.parsePortLong(item), (p) => [p]) : syntax.parsePortShort(item), path);
    return (list ?? []).map((port) => ({ port, path }));
  });
}

function mapParsed<T, U>(parsed: syntax.Parsed<T>, f: (value: T) => U): syntax.Parsed<U> {
  return parsed.ok ? { ok: true, value: f(parsed.value) } : parsed;
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

function dependsOn(input: ServiceInput['depends_on'], implied: DependsOn[]): DependsOn[] {
  const entries: DependsOn[] =
    input === undefined
      ? []
      : Array.isArray(input)
        ? input.map((service) => ({ service, condition: 'service_started' }))
        : Object.entries(input).map(([service, v]) => ({ service, condition: v?.condition ?? 'service_started' }));
  // links and volumes_from imply a dependency, as in compose.
  for (const dep of implied) if (!entries.some((e) => e.service === dep.service)) entries.push(dep);
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
