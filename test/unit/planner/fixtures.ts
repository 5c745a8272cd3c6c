// Builders of desired and observed state for planner tests: plain data, hashes computed the way
// the parser computes them.

import { specHash } from '../../../agent/desired/hash.js';
import { emptyDesiredState, type ContainerSpec, type DesiredState, type NetworkSpec, type VolumeSpec } from '../../../agent/desired/model.js';
import { emptyObservedState, LABEL, type ObservedContainer, type ObservedState } from '../../../agent/contracts/observed.js';
import type { PlanContext } from '../../../agent/planner/context.js';

export const HOST = 'edge-01';
export const REV = 'a'.repeat(40);

export function container(service: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
  const spec: ContainerSpec = {
    project: 'demo',
    service,
    name: `demo-${service}`,
    image: 'local/busybox:1',
    pullPolicy: 'missing',
    command: ['sleep', '3600'],
    entrypoint: null,
    env: {},
    ports: [],
    mounts: [],
    restart: 'no',
    labels: {},
    healthcheck: null,
    dependsOn: [],
    networks: [],
    networkMode: 'none',
    user: null,
    workingDir: null,
    hostname: null,
    extraHosts: [],
    devices: [],
    capAdd: [],
    capDrop: [],
    privileged: false,
    stopGracePeriodMs: 10_000,
    stopSignal: null,
    memLimitBytes: null,
    nanoCpus: null,
    logging: null,
    init: null,
    readOnly: false,
    update: 'stop-first',
    expose: [],
    sysctls: {},
    endpoints: {},
    links: [],
    volumesFrom: [],
    stdinOpen: false,
    tty: false,
    ulimits: [],
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    groupAdd: [],
    pid: null,
    ipc: null,
    securityOpt: [],
    shmSizeBytes: null,
    memReservationBytes: null,
    pidsLimit: null,
    deviceRequests: [],
    files: [],
    secretEnv: [],
    hash: '',
    ...over,
  };
  return { ...spec, hash: specHash(spec) };
}

export function network(key: string, over: Partial<NetworkSpec> = {}): NetworkSpec {
  const n: NetworkSpec = { project: 'demo', key, name: `demo_${key}`, driver: 'bridge', driverOpts: {}, internal: false, enableIpv6: false, ipam: null, labels: {}, external: false, hash: '', ...over };
  return { ...n, hash: specHash(n) };
}

export function volume(key: string, over: Partial<VolumeSpec> = {}): VolumeSpec {
  const v: VolumeSpec = { project: 'demo', key, name: `demo_${key}`, driver: 'local', driverOpts: {}, labels: {}, external: false, hash: '', ...over };
  return { ...v, hash: specHash(v) };
}

export function desired(containers: ContainerSpec[], over: Partial<DesiredState> = {}): DesiredState {
  return { ...emptyDesiredState(), containers, ...over };
}

/** A container as the engine would report it after moor created it from `spec`. */
export function running(spec: ContainerSpec, over: Partial<ObservedContainer> = {}): ObservedContainer {
  return {
    id: `id-${spec.name}`,
    name: spec.name,
    image: spec.image,
    imageId: 'sha256:img',
    state: 'running',
    health: null,
    exitCode: 0,
    restartCount: 0,
    labels: {
      [LABEL.managed]: 'true',
      [LABEL.host]: HOST,
      [LABEL.project]: spec.project,
      [LABEL.service]: spec.service,
      [LABEL.hash]: spec.hash,
      [LABEL.revision]: REV,
    },
    restartPolicy: spec.restart,
    memLimitBytes: spec.memLimitBytes,
    nanoCpus: spec.nanoCpus,
    startedAt: '2026-11-26T00:00:00Z',
    ...over,
  };
}

export function observed(containers: ObservedContainer[], over: Partial<ObservedState> = {}): ObservedState {
  return { ...emptyObservedState(), containers, images: { 'local/busybox:1': true, 'local/busybox:2': true }, ...over };
}

export function context(over: Partial<PlanContext> = {}): PlanContext {
  return { host: HOST, revision: REV, prune: true, pullAlways: false, appliedSpecs: {}, ...over };
}
