// A complete ContainerSpec for the docker integration tests: every field set to something
// other than the engine's default, so that inspect proves each one reached the engine.

import type { ContainerSpec } from '../../../agent/desired/model.js';
import { LABEL } from '../../../agent/observe/model.js';

export function minimalSpec(host: string, service: string, overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    project: host,
    service,
    name: `${host}-${service}`,
    image: 'local/busybox:1',
    pullPolicy: 'never',
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
    stopGracePeriodMs: 1000,
    stopSignal: null,
    memLimitBytes: null,
    nanoCpus: null,
    logging: null,
    init: false,
    readOnly: false,
    update: 'stop-first',
    secretEnv: [],
    hash: 'h-' + service,
    ...overrides,
  };
}

export function moorLabels(spec: ContainerSpec, host: string): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.host]: host,
    [LABEL.project]: spec.project,
    [LABEL.service]: spec.service,
    [LABEL.hash]: spec.hash,
    [LABEL.revision]: 'f'.repeat(40),
  };
}
