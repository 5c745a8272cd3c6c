// Builds the containers, networks and volumes of a (merged, interpolated) compose tree and
// checks what spans services: dependencies, cycles, container names, host ports.
import path from 'node:path';
import type { PolicySettings } from '../settings/model.js';
import { composeSchema, serviceSchema, withoutExtensions, type TopNetworkInput, type TopVolumeInput } from './compose-schema.js';
import { normaliseService, type ServiceResult } from './compose-service.js';
import { sortedRecord, VOLUME_NAME } from './compose-syntax.js';
import { specHash } from './hash.js';
import { isRecord } from './interpolate.js';
import type { ContainerSpec, NetworkSpec, VolumeSpec } from './model.js';
import type { KeyPath, Locator, ProblemList } from './problems.js';

export interface ComposeBuildInput {
  value: unknown;
  locator: Locator;
  envVars: Readonly<Record<string, string>>;
  envFiles: ReadonlyMap<string, Record<string, string> | null>;
  policy: PolicySettings;
  projectsDir: string;
}

export interface ComposeResult {
  containers: ContainerSpec[];
  networks: NetworkSpec[];
  volumes: VolumeSpec[];
  /** `x-moor: { adopt: true }` (see compose-adopt.ts). */
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
  const project = top?.name ?? 'default';
  if (!PROJECT_NAME.test(project)) problems.add(locator, ['name'], `"${project}" is not a valid project name (lower case letters, digits, - and _)`);

  const volumes = Object.entries(top?.volumes ?? {}).map(([key, v]) => volumeSpec(project, key, v, locator, problems));
  const declaredNetworks = Object.entries(top?.networks ?? {}).map(([key, v]) => networkSpec(project, key, v));
  const defaultNetwork = declaredNetworks.find((n) => n.key === 'default') ?? networkSpec(project, 'default', null);
  const networkNames = new Map([...declaredNetworks, defaultNetwork].map((n) => [n.key, n.name]));

  const rawServices = isRecord(raw.services) ? raw.services : {};
  const results: ServiceResult[] = [];
  for (const [service, value] of Object.entries(rawServices)) {
    if (!SERVICE_NAME.test(service)) {
      problems.add(locator, ['services', service], `"${service}" is not a valid service name`);
      continue;
    }
    const parsed = problems.parse(serviceSchema, isRecord(value) ? withoutExtensions(value, ['x-moor']) : value, locator, ['services', service]);
    if (parsed === null) continue;
    results.push(
      normaliseService(service, parsed, {
        project,
        locator,
        problems,
        envVars: input.envVars,
        envFiles: input.envFiles,
        policy: input.policy,
        projectDir: path.posix.join(input.projectsDir, project),
        volumeNames: new Map(volumes.map((v) => [v.key, v.name])),
        networkNames,
      }),
    );
  }

  const containers = results.map((r) => r.spec);
  checkDependencies(containers, Object.keys(rawServices), locator, problems);
  resolveServiceNetworkMode(containers, locator, problems);
  checkContainerNames(containers, locator, problems);
  checkHostPorts(results, locator, problems);

  const networks = declaredNetworks.filter((n) => n.key !== 'default');
  if (containers.some((c) => c.networks.includes(defaultNetwork.name))) networks.push(defaultNetwork);
  for (const spec of [...containers, ...networks, ...volumes]) spec.hash = specHash(spec);
  const byName = <T extends { name: string }>(a: T, b: T): number => a.name.localeCompare(b.name);
  return { containers: containers.sort(byName), networks: networks.sort(byName), volumes: volumes.sort(byName) };
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

function volumeSpec(project: string, key: string, v: TopVolumeInput, locator: Locator, problems: ProblemList): VolumeSpec {
  if (!VOLUME_NAME.test(key)) problems.add(locator, ['volumes', key], `"${key}" is not a valid volume name`);
  const external = v?.external ?? false;
  return {
    project,
    key,
    name: v?.name ?? (external ? key : `${project}_${key}`),
    driver: v?.driver ?? 'local',
    driverOpts: sortedRecord(v?.driver_opts ?? {}),
    labels: labelsOf(v?.labels),
    external,
    hash: '',
  };
}

function networkSpec(project: string, key: string, v: TopNetworkInput): NetworkSpec {
  const external = v?.external ?? false;
  return {
    project,
    key,
    name: v?.name ?? (external ? key : `${project}_${key}`),
    driver: v?.driver ?? 'bridge',
    driverOpts: sortedRecord(v?.driver_opts ?? {}),
    internal: v?.internal ?? false,
    labels: labelsOf(v?.labels),
    external,
    hash: '',
  };
}

function checkDependencies(containers: ContainerSpec[], services: string[], locator: Locator, problems: ProblemList): void {
  const known = new Set(services);
  const edges = new Map(containers.map((c) => [c.service, c.dependsOn.map((d) => d.service)]));
  for (const c of containers) {
    for (const d of c.dependsOn) {
      if (!known.has(d.service)) problems.add(locator, ['services', c.service, 'depends_on', d.service], `service "${d.service}" does not exist`);
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

function resolveServiceNetworkMode(containers: ContainerSpec[], locator: Locator, problems: ProblemList): void {
  const names = new Map(containers.map((c) => [c.service, c.name]));
  for (const c of containers) {
    if (!c.networkMode?.startsWith('service:')) continue;
    const target = c.networkMode.slice('service:'.length);
    const name = names.get(target);
    if (name === undefined) problems.add(locator, ['services', c.service, 'network_mode'], `service "${target}" does not exist`);
    else c.networkMode = `container:${name}`;
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
