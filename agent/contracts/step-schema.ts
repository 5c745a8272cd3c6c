// zod guard of a plan's steps as they cross the control socket (`moor plan` through the agent):
// the full Step union of agent/planner/steps.ts, each kind with its whole payload.
// test/unit/contracts/step-schema.test.ts proves that this schema and the Step type agree.

import { z } from 'zod';

/**
 * The marker a redacted plan carries in place of a string that equals a secret's value
 * (agent/desired/secrets.ts). Any value of a fixed set ('no', 'tcp', 'always') can meet it:
 * every value of an env_file is a secret.
 */
export const REDACTED_MARK = '(redacted)';

/** A value of a fixed set, or the redaction marker in its place. */
function shown<const T extends readonly [string, ...string[]]>(values: T) {
  return z.union([z.enum(values), z.literal(REDACTED_MARK)]);
}

const strings = z.array(z.string());
const stringMap = z.record(z.string(), z.string());

const bindMount = z.object({
  type: shown(['bind']),
  source: z.string(),
  target: z.string(),
  readOnly: z.boolean(),
  repoPath: z.string().nullable(),
  propagation: z.string().nullable(),
  selinux: shown(['z', 'Z']).nullable(),
});
const volumeMount = z.object({ type: shown(['volume']), source: z.string(), target: z.string(), readOnly: z.boolean(), noCopy: z.boolean() });
const tmpfsMount = z.object({ type: shown(['tmpfs']), target: z.string(), options: z.string() });

const buildSchema = z.object({
  context: z.string(),
  dockerfile: z.string(),
  args: stringMap,
  target: z.string().nullable(),
  hash: z.string(),
  hostContext: z.boolean().optional(),
});

const restartSchema = z.union([
  shown(['no', 'always', 'unless-stopped', 'on-failure']),
  z.templateLiteral(['on-failure:', z.number()]),
]);

const containerSpecSchema = z.object({
  project: z.string(),
  service: z.string(),
  name: z.string(),
  image: z.string(),
  pullPolicy: shown(['missing', 'always', 'never']),
  command: strings.nullable(),
  entrypoint: strings.nullable(),
  env: stringMap,
  ports: z.array(
    z.object({ hostIp: z.string(), hostPort: z.number().nullable(), containerPort: z.number(), protocol: shown(['tcp', 'udp', 'sctp']) }),
  ),
  mounts: z.array(z.union([bindMount, volumeMount, tmpfsMount])),
  restart: restartSchema,
  labels: stringMap,
  healthcheck: z
    .object({ test: strings, intervalMs: z.number(), timeoutMs: z.number(), retries: z.number(), startPeriodMs: z.number(), startIntervalMs: z.number() })
    .nullable(),
  dependsOn: z.array(z.object({ service: z.string(), condition: shown(['service_started', 'service_healthy', 'service_completed_successfully']) })),
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
  deviceRequests: z.array(
    z.object({ driver: z.string(), count: z.number(), deviceIds: strings, capabilities: strings, options: stringMap }),
  ),
  files: z.array(
    z.object({ target: z.string(), variable: z.string(), contentBase64: z.string(), mode: z.number(), uid: z.string(), gid: z.string() }),
  ),
  update: shown(['stop-first', 'start-first']),
  secretEnv: strings,
  mountContent: stringMap.optional(),
  build: buildSchema.optional(),
  hash: z.string(),
});

const networkSpecSchema = z.object({
  project: z.string(),
  key: z.string(),
  name: z.string(),
  driver: z.string(),
  driverOpts: stringMap,
  internal: z.boolean(),
  enableIpv6: z.boolean(),
  ipam: z
    .object({
      driver: z.string().nullable(),
      config: z.array(
        z.object({ subnet: z.string().nullable(), ipRange: z.string().nullable(), gateway: z.string().nullable(), auxAddresses: stringMap }),
      ),
      options: stringMap,
    })
    .nullable(),
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
  state: shown(['running', 'stopped']).nullable(),
  mask: z.boolean(),
  onChange: shown(['restart', 'reload']),
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

const projectFileSchema = z.object({ rel: z.string(), contentBase64: z.string(), mode: z.number(), hash: z.string() });

const base = { id: z.string(), after: strings, resource: z.string() };
const named = <K extends string>(kind: K) => z.object({ ...base, kind: z.literal(kind), name: z.string() });

/** One step of a plan, every kind with its payload; the redaction marker may stand in any string. */
export const planStepSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('pullImage'), image: z.string() }),
  z.object({ ...base, kind: z.literal('buildImage'), image: z.string(), dir: z.string(), build: buildSchema, files: strings }),
  z.object({ ...base, kind: z.literal('createNetwork'), network: networkSpecSchema }),
  named('removeNetwork'),
  z.object({ ...base, kind: z.literal('createVolume'), volume: volumeSpecSchema }),
  named('removeVolume'),
  z.object({ ...base, kind: z.literal('createContainer'), spec: containerSpecSchema }),
  named('startContainer'),
  z.object({ ...base, kind: z.literal('stopContainer'), name: z.string(), containerId: z.string(), timeoutMs: z.number() }),
  z.object({ ...base, kind: z.literal('removeContainer'), name: z.string(), containerId: z.string() }),
  z.object({ ...base, kind: z.literal('renameContainer'), containerId: z.string(), from: z.string(), to: z.string() }),
  z.object({ ...base, kind: z.literal('drainContainer'), name: z.string(), containerId: z.string() }),
  named('waitHealthy'),
  named('waitCompleted'),
  z.object({ ...base, kind: z.literal('writeFile'), file: fileSpecSchema }),
  z.object({ ...base, kind: z.literal('placeProjectFile'), dir: z.string(), file: projectFileSchema }),
  z.object({ ...base, kind: z.literal('removeProjectFile'), dir: z.string(), rel: z.string() }),
  z.object({ ...base, kind: z.literal('createDataDir'), dir: z.string(), rel: z.string() }),
  z.object({ ...base, kind: z.literal('recordProjectFiles'), dir: z.string(), files: stringMap }),
  z.object({ ...base, kind: z.literal('removeFile'), path: z.string() }),
  z.object({ ...base, kind: z.literal('installUnit'), unit: unitSpecSchema }),
  named('removeUnitFile'),
  z.object({ ...base, kind: z.literal('removeDropIns'), name: z.string(), files: strings }),
  z.object({ ...base, kind: z.literal('reloadSystemd') }),
  named('enableUnit'),
  named('disableUnit'),
  named('maskUnit'),
  named('unmaskUnit'),
  named('startUnit'),
  named('stopUnit'),
  named('restartUnit'),
  named('reloadUnit'),
]);

/** A step as a running agent shows it: a planner Step, redacted. */
export type PlanStep = z.infer<typeof planStepSchema>;
