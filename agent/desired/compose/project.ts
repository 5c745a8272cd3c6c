// Builds the containers, networks and volumes of a (merged, interpolated) compose tree and
// checks what spans services: dependencies, cycles, container names, host ports.
import path from 'node:path';
import type { PolicySettings } from '../policy-settings.js';
import { composeSchema, serviceSchema, withoutExtensions, type TopFileInput, type TopNetworkInput, type TopVolumeInput } from './schema.js';
import { checkComposePolicy } from './project-policy.js';
import { topFileProblem, type FileKind } from './secret-mounts.js';
import { normaliseService, type ServiceContext, type ServiceResult } from './service.js';
import type { ServiceMemo } from './service-memo.js';
import { sortedRecord, VOLUME_NAME } from './syntax.js';
import { specHash } from '../hash.js';
import { isRecord } from './interpolate.js';
import type { ContainerSpec, NetworkSpec, VolumeSpec } from '../model.js';
import type { KeyPath, Locator, ProblemList } from '../../config-text/problems.js';

export interface ComposeBuildInput {
  value: unknown;
  locator: Locator;
  envVars: Readonly<Record<string, string>>;
  envFiles: ReadonlyMap<string, Record<string, string> | null>;
  policy: PolicySettings;
  projectsDir: string;
  /** The project name when the file sets no `name:` (COMPOSE_PROJECT_NAME in .env, else `default`). */
  defaultProject: string;
  /** Services left out by profiles, with their profiles, for messages about references to them. */
  disabled: ReadonlyMap<string, string[]>;
  warnings: ProblemList;
  /** Services already normalised by an earlier build with the same content (moor fleet's many trees). */
  memo?: ServiceMemo;
}

export interface ComposeResult {
  containers: ContainerSpec[];
  networks: NetworkSpec[];
  volumes: VolumeSpec[];
  /** `x-moor: { adopt: true }` (see adopt.ts). */
  adopt?: boolean;
  /** Where the merged compose keys come from, for problems found after the build (build contexts). */
  locator?: Locator;
}

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function buildCompose(input: ComposeBuildInput, problems: ProblemList): ComposeResult {
  const empty: ComposeResult = { containers: [], networks: [], volumes: [] };
  const { locator } = input;
  if (input.value === null || input.value === undefined) return empty;
  if (!isRecord(input.value)) {
    problems.add(locator, [], 'expected a mapping of compose keys');
    return empty;
  }
  const raw = withoutExtensions(input.value);
  const top = problems.parse(composeSchema, raw, locator, []);
  const project = top?.name ?? input.defaultProject;
  if (!PROJECT_NAME.test(project)) problems.add(locator, ['name'], `"${project}" is not a valid project name (lower case letters, digits, - and _)`);

  const volumes = Object.entries(top?.volumes ?? {}).map(([key, v]) => volumeSpec(project, key, v, locator, problems));
  const declaredNetworks = Object.entries(top?.networks ?? {}).map(([key, v]) => networkSpec(project, key, v));
  const defaultNetwork = declaredNetworks.find((n) => n.key === 'default') ?? networkSpec(project, 'default', null);
  const networkNames = new Map([...declaredNetworks, defaultNetwork].map((n) => [n.key, n.name]));

  const secrets = topFiles('secrets', top?.secrets, locator, problems);
  const configs = topFiles('configs', top?.configs, locator, problems);
  const rawServices = isRecord(raw.services) ? raw.services : {};
  const results: ServiceResult[] = [];
  for (const [service, value] of Object.entries(rawServices)) {
    if (!SERVICE_NAME.test(service)) {
      problems.add(locator, ['services', service], `"${service}" is not a valid service name`);
      continue;
    }
    const ctx: ServiceContext = {
      project,
      locator,
      problems,
      envVars: input.envVars,
      envFiles: input.envFiles,
      policy: input.policy,
      projectDir: path.posix.join(input.projectsDir, project),
      volumeNames: new Map(volumes.map((v) => [v.key, v.name])),
      networkNames,
      secrets,
      configs,
      warnings: input.warnings,
    };
    const result = buildService(service, value, ctx, input.memo);
    if (result) results.push(result);
  }

  const containers = results.map((r) => r.spec);
  checkDependencies(containers, Object.keys(rawServices), input.disabled, locator, problems);
  resolveServiceReferences(containers, locator, problems);
  checkComposePolicy({ containers, volumes, networks: declaredNetworks }, input.policy, locator, problems);
  checkContainerNames(containers, locator, problems);
  checkHostPorts(results, locator, problems);

  const networks = declaredNetworks.filter((n) => n.key !== 'default');
  if (containers.some((c) => c.networks.includes(defaultNetwork.name))) networks.push(defaultNetwork);
  // The memo reuses a hash when the fields resolveServiceReferences rewrites are the same: a step
  // that changes specs before this line must be added to `rewritten` in service-memo.ts.
  for (const spec of containers) spec.hash = input.memo ? input.memo.hashOf(spec, specHash) : specHash(spec);
  for (const spec of [...networks, ...volumes]) spec.hash = specHash(spec);
  const byName = <T extends { name: string }>(a: T, b: T): number => a.name.localeCompare(b.name);
  return { containers: containers.sort(byName), networks: networks.sort(byName), volumes: volumes.sort(byName) };
}

/** Parses and normalises one service, through the memo when the caller has one. */
function buildService(service: string, value: unknown, ctx: ServiceContext, memo: ServiceMemo | undefined): ServiceResult | null {
  const run = (c: ServiceContext): ServiceResult | null => {
    const parsed = c.problems.parse(serviceSchema, isRecord(value) ? withoutExtensions(value, ['x-moor']) : value, c.locator, ['services', service]);
    return parsed === null ? null : normaliseService(service, parsed, c);
  };
  return memo ? memo.normalise(service, value, ctx, run) : run(ctx);
}

function labelsOf(input: Record<string, string | null> | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(input)) {
    for (const item of input) {
      const eq = item.indexOf('=');
      out[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? '' : item.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(input ?? {})) out[k] = v ?? '';
  }
  return sortedRecord(out);
}

/** `external: true` or the legacy `external: { name }`: whether external, and the name it gives. */
function externalOf(v: { external?: boolean | { name: string } | undefined; name?: string | undefined } | null): { external: boolean; name: string | undefined } {
  const ext = v?.external;
  if (typeof ext === 'object') return { external: true, name: v?.name ?? ext.name };
  return { external: ext ?? false, name: v?.name };
}

function topFiles(kind: FileKind, defs: Record<string, TopFileInput> | null | undefined, locator: Locator, problems: ProblemList): Map<string, TopFileInput> {
  const out = new Map<string, TopFileInput>();
  for (const [key, def] of Object.entries(defs ?? {})) {
    const problem = topFileProblem(kind, def);
    if (problem) problems.add(locator, [kind, key], problem);
    out.set(key, def);
  }
  return out;
}

function volumeSpec(project: string, key: string, v: TopVolumeInput, locator: Locator, problems: ProblemList): VolumeSpec {
  if (!VOLUME_NAME.test(key)) problems.add(locator, ['volumes', key], `"${key}" is not a valid volume name`);
  const { external, name } = externalOf(v);
  return {
    project,
    key,
    name: name ?? (external ? key : `${project}_${key}`),
    driver: v?.driver ?? 'local',
    driverOpts: sortedRecord(v?.driver_opts ?? {}),
    labels: labelsOf(v?.labels),
    external,
    hash: '',
  };
}

function networkSpec(project: string, key: string, v: TopNetworkInput): NetworkSpec {
  const { external, name } = externalOf(v);
  const ipam = v?.ipam;
  return {
    project,
    key,
    name: name ?? (external ? key : `${project}_${key}`),
    driver: v?.driver ?? 'bridge',
    driverOpts: sortedRecord(v?.driver_opts ?? {}),
    internal: v?.internal ?? false,
    enableIpv6: v?.enable_ipv6 ?? false,
    ipam: ipam
      ? {
          driver: ipam.driver ?? null,
          config: (ipam.config ?? []).map((c) => ({
            subnet: c.subnet ?? null,
            ipRange: c.ip_range ?? null,
            gateway: c.gateway ?? null,
            auxAddresses: sortedRecord(c.aux_addresses ?? {}),
          })),
          options: sortedRecord(ipam.options ?? {}),
        }
      : null,
    labels: labelsOf(v?.labels),
    external,
    hash: '',
  };
}

function checkDependencies(
  containers: ContainerSpec[],
  services: string[],
  disabled: ReadonlyMap<string, string[]>,
  locator: Locator,
  problems: ProblemList,
): void {
  const known = new Set(services);
  const edges = new Map(containers.map((c) => [c.service, c.dependsOn.map((d) => d.service)]));
  for (const c of containers) {
    for (const d of c.dependsOn) {
      const off = disabled.get(d.service);
      const via = c.links.some((l) => l.startsWith(`${d.service}:`)) ? 'links' : c.volumesFrom.includes(`service:${d.service}`) || c.volumesFrom.some((v) => v.startsWith(`service:${d.service}:`)) ? 'volumes_from' : null;
      if (via && !known.has(d.service)) {
        problems.add(locator, ['services', c.service, via], `service "${d.service}" does not exist`);
      } else if (off) {
        problems.add(locator, ['services', c.service, 'depends_on', d.service], `service "${d.service}" is only in profile ${off.join(', ')}, which is not enabled (moor.yaml profiles:, or COMPOSE_PROFILES in .env)`);
      } else if (!known.has(d.service)) problems.add(locator, ['services', c.service, 'depends_on', d.service], `service "${d.service}" does not exist`);
      if (d.service === c.service) problems.add(locator, ['services', c.service, 'depends_on'], 'a service cannot depend on itself');
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (service: string, trail: string[]): void => {
    if (state.get(service) === 'done') return;
    if (state.get(service) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(service)), service];
      const key = [...cycle].sort().join(',');
      if (!reported.has(key) && cycle.length > 2) {
        reported.add(key);
        problems.add(locator, ['services', service, 'depends_on'], `dependency cycle: ${cycle.join(' -> ')}`);
      }
      return;
    }
    state.set(service, 'visiting');
    for (const next of edges.get(service) ?? []) visit(next, [...trail, service]);
    state.set(service, 'done');
  };
  for (const c of containers) visit(c.service, []);
}

/** `service:NAME` in network_mode, pid, ipc, volumes_from and links, as container names. */
function resolveServiceReferences(containers: ContainerSpec[], locator: Locator, problems: ProblemList): void {
  const names = new Map(containers.map((c) => [c.service, c.name]));
  // links and volumes_from are dependencies too: checkDependencies names a missing one.
  const resolve = (c: ContainerSpec, key: string, target: string): string | null => {
    const name = names.get(target);
    if (name === undefined && key !== 'links' && key !== 'volumes_from') problems.add(locator, ['services', c.service, key], `service "${target}" does not exist`);
    return name ?? null;
  };
  for (const c of containers) {
    for (const key of ['networkMode', 'pid', 'ipc'] as const) {
      const value = c[key];
      if (!value?.startsWith('service:')) continue;
      const name = resolve(c, key === 'networkMode' ? 'network_mode' : key, value.slice('service:'.length));
      if (name !== null) c[key] = `container:${name}`;
    }
    c.links = c.links.flatMap((link) => {
      const [service = '', alias = ''] = link.split(':');
      const name = resolve(c, 'links', service);
      return name === null ? [] : [`${name}:${alias}`];
    }).sort();
    c.volumesFrom = c.volumesFrom.flatMap((ref) => {
      const [kind, target = '', mode] = ref.split(':');
      const name = kind === 'service' ? resolve(c, 'volumes_from', target) : target;
      return name === null ? [] : [`${name}${mode ? `:${mode}` : ''}`];
    }).sort();
  }
}

function checkContainerNames(containers: ContainerSpec[], locator: Locator, problems: ProblemList): void {
  const owner = new Map<string, string>();
  for (const c of containers) {
    const other = owner.get(c.name);
    if (other !== undefined) {
      problems.add(locator, ['services', c.service, 'container_name'], `container name "${c.name}" is also used by service "${other}"`);
    }
    owner.set(c.name, c.service);
  }
}

function checkHostPorts(results: ServiceResult[], locator: Locator, problems: ProblemList): void {
  const bound: { ip: string; port: number; protocol: string; service: string }[] = [];
  for (const { spec, portPaths } of results) {
    for (const { port, path } of portPaths) {
      if (port.hostPort === null) continue;
      const clash = bound.find(
        (b) => b.port === port.hostPort && b.protocol === port.protocol && (b.ip === port.hostIp || b.ip === '' || port.hostIp === ''),
      );
      const at: KeyPath = ['services', spec.service, ...path];
      if (clash) {
        const who = clash.service === spec.service ? 'this service' : `service "${clash.service}"`;
        problems.add(locator, at, `host port ${port.hostPort}/${port.protocol} is already bound by ${who}`);
      }
      bound.push({ ip: port.hostIp, port: port.hostPort, protocol: port.protocol, service: spec.service });
    }
  }
}
