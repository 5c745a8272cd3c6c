// Pure translation between moor's model and the Docker API: a ContainerSpec into the body of
// `POST /containers/create`, and an inspect result into an ObservedContainer.

import type Dockerode from 'dockerode';
import type { ContainerSpec, HealthcheckSpec, MountSpec, NetworkSpec, RestartPolicy, ServiceEndpoints } from '../../desired/model.js';
import type { ContainerHealth, ContainerRunState, ObservedContainer } from '../../contracts/observed.js';

const NS_PER_MS = 1_000_000;
/** What the engine reports as StartedAt for a container that never started. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface CreatePlan {
  body: Dockerode.ContainerCreateOptions;
  /** Networks beyond the first, to connect (with the service as alias) before start. */
  extraNetworks: string[];
}

export function toCreateBody(spec: ContainerSpec, moorLabels: Record<string, string>, options: EndpointOptions = { hidden: false }): CreatePlan {
  const exposed: Record<string, Record<string, never>> = {};
  for (const key of spec.expose) exposed[key] = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of spec.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    const list = bindings[key] ?? [];
    list.push({ HostIp: p.hostIp, HostPort: p.hostPort === null ? '' : String(p.hostPort) });
    bindings[key] = list;
  }

  const hostConfig: Dockerode.HostConfig = {
    PortBindings: bindings,
    // Binds, as compose does, so that a missing host folder is created rather than refused.
    Binds: spec.mounts.flatMap((m) => (m.type === 'bind' ? [bindString(m)] : [])),
    Mounts: spec.mounts.filter(isVolume).map((m) => ({
      Type: m.type,
      // An anonymous volume has an empty source: the engine creates one, as for compose.
      Source: m.source,
      Target: m.target,
      ReadOnly: m.readOnly,
      // moor creates named volumes itself; the driver here only applies to an anonymous one.
      ...(m.noCopy ? { VolumeOptions: { NoCopy: true, Labels: {}, DriverConfig: { Name: 'local', Options: {} } } } : {}),
    })),
    Tmpfs: Object.fromEntries(spec.mounts.flatMap((m) => (m.type === 'tmpfs' ? [[m.target, m.options]] : []))),
    RestartPolicy: toRestartPolicy(spec.restart),
    Devices: spec.devices.map((d) => ({
      PathOnHost: d.hostPath,
      PathInContainer: d.containerPath,
      CgroupPermissions: d.permissions,
    })),
    CapAdd: spec.capAdd,
    CapDrop: spec.capDrop,
    Privileged: spec.privileged,
    ReadonlyRootfs: spec.readOnly,
    ExtraHosts: spec.extraHosts,
  };
  // Unset keys are not sent, so that the daemon's own defaults apply as with compose.
  if (spec.init !== null) hostConfig.Init = spec.init;
  if (spec.memLimitBytes !== null) hostConfig.Memory = spec.memLimitBytes;
  if (spec.nanoCpus !== null) hostConfig.NanoCpus = spec.nanoCpus;
  if (spec.logging !== null) hostConfig.LogConfig = { Type: spec.logging.driver ?? '', Config: spec.logging.options };
  addRuntime(hostConfig, spec);

  const body: Dockerode.ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels, ...moorLabels },
    ExposedPorts: exposed,
    StopTimeout: Math.ceil(spec.stopGracePeriodMs / 1000),
    HostConfig: hostConfig,
  };
  if (spec.command !== null) body.Cmd = spec.command;
  if (spec.entrypoint !== null) body.Entrypoint = spec.entrypoint;
  if (spec.stopSignal !== null) body.StopSignal = spec.stopSignal;
  if (spec.user !== null) body.User = spec.user;
  if (spec.workingDir !== null) body.WorkingDir = spec.workingDir;
  if (spec.hostname !== null) body.Hostname = spec.hostname;
  if (spec.stdinOpen) body.OpenStdin = true;
  if (spec.tty) body.Tty = true;
  if (spec.healthcheck !== null) body.Healthcheck = toHealthcheck(spec.healthcheck);

  let extraNetworks: string[] = [];
  if (spec.networkMode !== null) {
    hostConfig.NetworkMode = spec.networkMode;
  } else {
    const [first, ...rest] = spec.networks;
    if (first !== undefined) {
      hostConfig.NetworkMode = first;
      body.NetworkingConfig = { EndpointsConfig: { [first]: endpointConfig(spec, first, options) } };
      extraNetworks = rest;
    }
  }
  return { body, extraNetworks };
}

/** `SOURCE:TARGET[:ro][,z|Z][,propagation]`, as compose writes a bind. */
function bindString(m: Extract<MountSpec, { type: 'bind' }>): string {
  const modes = [m.readOnly ? 'ro' : 'rw', ...(m.selinux ? [m.selinux] : []), ...(m.propagation ? [m.propagation] : [])];
  return `${m.source}:${m.target}${modes.length === 1 && !m.readOnly ? '' : `:${modes.join(',')}`}`;
}

/** The engine's healthcheck: 0 and an empty test keep the image's values (the engine merges them). */
function toHealthcheck(h: HealthcheckSpec): NonNullable<Dockerode.ContainerCreateOptions['Healthcheck']> & { StartInterval?: number } {
  if (h.test[0] === 'NONE') return { Test: ['NONE'] };
  const out: NonNullable<Dockerode.ContainerCreateOptions['Healthcheck']> & { StartInterval?: number } = {};
  if (h.test.length > 0) out.Test = h.test;
  if (h.intervalMs > 0) out.Interval = h.intervalMs * NS_PER_MS;
  if (h.timeoutMs > 0) out.Timeout = h.timeoutMs * NS_PER_MS;
  if (h.retries > 0) out.Retries = h.retries;
  if (h.startPeriodMs > 0) out.StartPeriod = h.startPeriodMs * NS_PER_MS;
  if (h.startIntervalMs > 0) out.StartInterval = h.startIntervalMs * NS_PER_MS;
  return out;
}

/** `hidden`: the endpoint has none of the service's names (a start-first replacement until it is healthy). */
export interface EndpointOptions {
  hidden: boolean;
}

/** A network endpoint: the service name and its aliases (unless hidden), fixed addresses, links. */
export function endpointConfig(spec: ServiceEndpoints, network: string, options: EndpointOptions = { hidden: false }): Dockerode.EndpointSettings {
  const e = spec.endpoints[network];
  const out: Dockerode.EndpointSettings = { Aliases: options.hidden ? [] : [spec.service, ...(e?.aliases ?? [])] };
  if (e?.ipv4Address || e?.ipv6Address) {
    out.IPAMConfig = {
      ...(e.ipv4Address ? { IPv4Address: e.ipv4Address } : {}),
      ...(e.ipv6Address ? { IPv6Address: e.ipv6Address } : {}),
    };
  }
  if (spec.links.length > 0) out.Links = spec.links;
  return out;
}

/** compose's enable_ipv6 and ipam, in the engine's network create body. */
export function networkAddressing(spec: NetworkSpec): Pick<Dockerode.NetworkCreateOptions, 'EnableIPv6' | 'IPAM'> {
  const out: Pick<Dockerode.NetworkCreateOptions, 'EnableIPv6' | 'IPAM'> = {};
  if (spec.enableIpv6) out.EnableIPv6 = true;
  if (spec.ipam !== null) {
    out.IPAM = {
      Driver: spec.ipam.driver ?? 'default',
      Config: spec.ipam.config.map((c) => ({
        ...(c.subnet ? { Subnet: c.subnet } : {}),
        ...(c.ipRange ? { IPRange: c.ipRange } : {}),
        ...(c.gateway ? { Gateway: c.gateway } : {}),
        ...(Object.keys(c.auxAddresses).length > 0 ? { AuxiliaryAddresses: c.auxAddresses } : {}),
      })),
      Options: spec.ipam.options,
    };
  }
  return out;
}

function addRuntime(hostConfig: Dockerode.HostConfig, spec: ContainerSpec): void {
  if (Object.keys(spec.sysctls).length > 0) hostConfig.Sysctls = spec.sysctls;
  if (spec.ulimits.length > 0) hostConfig.Ulimits = spec.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
  if (spec.dns.length > 0) hostConfig.Dns = spec.dns;
  if (spec.dnsSearch.length > 0) hostConfig.DnsSearch = spec.dnsSearch;
  if (spec.dnsOptions.length > 0) hostConfig.DnsOptions = spec.dnsOptions;
  if (spec.groupAdd.length > 0) hostConfig.GroupAdd = spec.groupAdd;
  if (spec.pid !== null) hostConfig.PidMode = spec.pid;
  if (spec.ipc !== null) hostConfig.IpcMode = spec.ipc;
  if (spec.securityOpt.length > 0) hostConfig.SecurityOpt = spec.securityOpt;
  if (spec.shmSizeBytes !== null) hostConfig.ShmSize = spec.shmSizeBytes;
  if (spec.memReservationBytes !== null) hostConfig.MemoryReservation = spec.memReservationBytes;
  if (spec.pidsLimit !== null) hostConfig.PidsLimit = spec.pidsLimit;
  if (spec.volumesFrom.length > 0) hostConfig.VolumesFrom = spec.volumesFrom;
  if (spec.links.length > 0 && spec.networkMode !== null) hostConfig.Links = spec.links;
  if (spec.deviceRequests.length > 0) {
    hostConfig.DeviceRequests = spec.deviceRequests.map((d) => ({
      Driver: d.driver,
      Count: d.count,
      DeviceIDs: d.deviceIds,
      Capabilities: [d.capabilities],
      Options: d.options,
    }));
  }
}

function isVolume(m: MountSpec): m is Extract<MountSpec, { type: 'volume' }> {
  return m.type === 'volume';
}

export function toRestartPolicy(restart: RestartPolicy): { Name: string; MaximumRetryCount?: number } {
  if (restart.startsWith('on-failure:')) {
    return { Name: 'on-failure', MaximumRetryCount: Number(restart.slice('on-failure:'.length)) };
  }
  return { Name: restart };
}

/** The engine's restart policy in compose's notation: `no`, `always`, `on-failure:3` ... */
export function restartPolicyString(policy: { Name?: string; MaximumRetryCount?: number } | undefined): string {
  const name = policy?.Name ?? '';
  if (name === '') return 'no';
  if (name === 'on-failure' && (policy?.MaximumRetryCount ?? 0) > 0) return `on-failure:${policy?.MaximumRetryCount}`;
  return name;
}

const RUN_STATES: ReadonlySet<string> = new Set(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);

export function toObservedContainer(info: Dockerode.ContainerInspectInfo): ObservedContainer {
  const state = info.State;
  const runState: ContainerRunState = RUN_STATES.has(state.Status) ? (state.Status as ContainerRunState) : 'dead';
  const healthStatus = state.Health?.Status;
  const health: ContainerHealth =
    healthStatus === 'starting' || healthStatus === 'healthy' || healthStatus === 'unhealthy' ? healthStatus : null;
  const hc = info.HostConfig;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageId: info.Image,
    state: runState,
    health,
    exitCode: runState === 'exited' || runState === 'dead' ? state.ExitCode : null,
    restartCount: info.RestartCount,
    labels: info.Config.Labels ?? {},
    restartPolicy: restartPolicyString(hc.RestartPolicy),
    memLimitBytes: hc.Memory !== undefined && hc.Memory > 0 ? hc.Memory : null,
    nanoCpus: hc.NanoCpus !== undefined && hc.NanoCpus > 0 ? hc.NanoCpus : null,
    startedAt: state.StartedAt && state.StartedAt !== ZERO_TIME ? state.StartedAt : null,
  };
}
