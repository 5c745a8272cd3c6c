// zod guard of a DesiredState read back from the file the agent stored for a commit
// (agent/reconciler/stored-desired.ts): the whole model of agent/desired/model.ts, exact enums.
// test/unit/contracts/desired-schema.test.ts proves that this schema and the type agree.

import { z } from 'zod';

const strings = z.array(z.string());
const stringMap = z.record(z.string(), z.string());

const mountSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('bind'),
    source: z.string(),
    target: z.string(),
    readOnly: z.boolean(),
    repoPath: z.string().nullable(),
    propagation: z.string().nullable(),
    selinux: z.enum(['z', 'Z']).nullable(),
  }),
  z.object({ type: z.literal('volume'), source: z.string(), target: z.string(), readOnly: z.boolean(), noCopy: z.boolean() }),
  z.object({ type: z.literal('tmpfs'), target: z.string(), options: z.string() }),
]);

const buildSchema = z.object({
  context: z.string(),
  dockerfile: z.string(),
  args: stringMap,
  target: z.string().nullable(),
  hash: z.string(),
  hostContext: z.boolean().optional(),
});

const restartSchema = z.union([z.enum(['no', 'always', 'unless-stopped', 'on-failure']), z.templateLiteral(['on-failure:', z.number()])]);

const containerSpecSchema = z.object({
  project: z.string(),
  service: z.string(),
  name: z.string(),
  image: z.string(),
  pullPolicy: z.enum(['missing', 'always', 'never']),
  command: strings.nullable(),
  entrypoint: strings.nullable(),
  env: stringMap,
  ports: z.array(z.object({ hostIp: z.string(), hostPort: z.number().nullable(), containerPort: z.number(), protocol: z.enum(['tcp', 'udp', 'sctp']) })),
  mounts: z.array(mountSchema),
  restart: restartSchema,
  labels: stringMap,
  healthcheck: z
    .object({ test: strings, intervalMs: z.number(), timeoutMs: z.number(), retries: z.number(), startPeriodMs: z.number(), startIntervalMs: z.number() })
    .nullable(),
  dependsOn: z.array(z.object({ service: z.string(), condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']) })),
  networks: strings,
  networkMode: z.string().nullable(),
  user: z.string().nullable(),
  workingDir: z.string().nullable(),
  hostname: z.string().nullable(),
  extraHosts: strings,
  devices: z.array(z.object({ hostPath: z.string(), containerPath: z.string(), permissions: z.string() })),
  capAdd: strings,
  capDrop: strings,
  privileged: z.boolean(),
  stopGracePeriodMs: z.number(),
  stopSignal: z.string().nullable(),
  memLimitBytes: z.number().nullable(),
  nanoCpus: z.number().nullable(),
  logging: z.object({ driver: z.string().nullable(), options: stringMap }).nullable(),
  init: z.boolean().nullable(),
  readOnly: z.boolean(),
  expose: strings,
  sysctls: stringMap,
  endpoints: z.record(z.string(), z.object({ aliases: strings, ipv4Address: z.string().nullable(), ipv6Address: z.string().nullable() })),
  links: strings,
  volumesFrom: strings,
  stdinOpen: z.boolean(),
  tty: z.boolean(),
  ulimits: z.array(z.object({ name: z.string(), soft: z.number(), hard: z.number() })),
  dns: strings,
  dnsSearch: strings,
  dnsOptions: strings,
  groupAdd: strings,
  pid: z.string().nullable(),
  ipc: z.string().nullable(),
  securityOpt: strings,
  shmSizeBytes: z.number().nullable(),
  memReservationBytes: z.number().nullable(),
  pidsLimit: z.number().nullable(),
  deviceRequests: z.array(z.object({ driver: z.string(), count: z.number(), deviceIds: strings, capabilities: strings, options: stringMap })),
  files: z.array(z.object({ target: z.string(), variable: z.string(), contentBase64: z.string(), mode: z.number(), uid: z.string(), gid: z.string() })),
  update: z.enum(['stop-first', 'start-first']),
  secretEnv: strings,
  mountContent: stringMap.optional(),
  build: buildSchema.optional(),
  hash: z.string(),
});

const ipamSchema = z.object({
  driver: z.string().nullable(),
  config: z.array(z.object({ subnet: z.string().nullable(), ipRange: z.string().nullable(), gateway: z.string().nullable(), auxAddresses: stringMap })),
  options: stringMap,
});

const networkSpecSchema = z.object({
  project: z.string(),
  key: z.string(),
  name: z.string(),
  driver: z.string(),
  driverOpts: stringMap,
  internal: z.boolean(),
  enableIpv6: z.boolean(),
  ipam: ipamSchema.nullable(),
  labels: stringMap,
  external: z.boolean(),
  hash: z.string(),
});

const volumeSpecSchema = z.object({
  project: z.string(),
  key: z.string(),
  name: z.string(),
  driver: z.string(),
  driverOpts: stringMap,
  labels: stringMap,
  external: z.boolean(),
  hash: z.string(),
});

const unitSpecSchema = z.object({
  name: z.string(),
  content: z.string().nullable(),
  dropIns: stringMap,
  enabled: z.boolean().nullable(),
  state: z.enum(['running', 'stopped']).nullable(),
  mask: z.boolean(),
  onChange: z.enum(['restart', 'reload']),
  hash: z.string(),
});

const fileSpecSchema = z.object({
  path: z.string(),
  source: z.string(),
  contentBase64: z.string(),
  mode: z.number(),
  owner: z.string().nullable(),
  group: z.string().nullable(),
  restarts: strings,
  secret: z.boolean().optional(),
  hash: z.string(),
});

const projectDirSchema = z.object({
  project: z.string(),
  dir: z.string(),
  files: z.array(z.object({ rel: z.string(), contentBase64: z.string(), mode: z.number(), hash: z.string() })),
  dataDirs: strings,
});

export const desiredStateSchema = z.object({
  containers: z.array(containerSpecSchema),
  networks: z.array(networkSpecSchema),
  volumes: z.array(volumeSpecSchema),
  units: z.array(unitSpecSchema),
  files: z.array(fileSpecSchema),
  rollout: z.object({ healthTimeoutMs: z.number(), rollback: z.boolean() }),
  window: z.object({ schedule: z.string(), durationMs: z.number() }).nullable(),
  pruneVolumes: z.boolean(),
  secretValues: strings.optional(),
  adopt: z.boolean().optional(),
  projectDirs: z.array(projectDirSchema).optional(),
  labels: stringMap.optional(),
});
