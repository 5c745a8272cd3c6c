// Pure translation between moor's model and the Docker API: a ContainerSpec into the body of
// `POST /containers/create`, and an inspect result into an ObservedContainer.

import type Dockerode from 'dockerode';
import type { ContainerSpec, MountSpec, RestartPolicy } from '../../desired/model.js';
import type { ContainerHealth, ContainerRunState, ObservedContainer } from '../../observe/model.js';

const NS_PER_MS = 1_000_000;
/** What the engine reports as StartedAt for a container that never started. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface CreatePlan {
  body: Dockerode.ContainerCreateOptions;
  /** Networks beyond the first, to connect (with the service as alias) before start. */
  extraNetworks: string[];
}

export function toCreateBody(spec: ContainerSpec, moorLabels: Record<string, string>): CreatePlan {
  const exposed: Record<string, Record<string, never>> = {};
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
    Binds: spec.mounts.flatMap((m) => (m.type === 'bind' ? [`${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`] : [])),
    Mounts: spec.mounts.filter(isVolume).map((m) => ({
      Type: m.type,
      Source: m.source,
      Target: m.target,
      ReadOnly: m.readOnly,
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
    Init: spec.init,
    ReadonlyRootfs: spec.readOnly,
    ExtraHosts: spec.extraHosts,
  };
  if (spec.memLimitBytes !== null) hostConfig.Memory = spec.memLimitBytes;
  if (spec.nanoCpus !== null) hostConfig.NanoCpus = spec.nanoCpus;
  if (spec.logging !== null) hostConfig.LogConfig = { Type: spec.logging.driver, Config: spec.logging.options };

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
  if (spec.healthcheck !== null) {
    const h = spec.healthcheck;
    body.Healthcheck = {
      Test: h.test,
      Interval: h.intervalMs * NS_PER_MS,
      Timeout: h.timeoutMs * NS_PER_MS,
      Retries: h.retries,
      StartPeriod: h.startPeriodMs * NS_PER_MS,
    };
  }

  let extraNetworks: string[] = [];
  if (spec.networkMode !== null) {
    hostConfig.NetworkMode = spec.networkMode;
  } else {
    const [first, ...rest] = spec.networks;
    if (first !== undefined) {
      hostConfig.NetworkMode = first;
      body.NetworkingConfig = { EndpointsConfig: { [first]: { Aliases: [spec.service] } } };
      extraNetworks = rest;
    }
  }
  return { body, extraNetworks };
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
