// The compose subset moor supports, as zod strict schemas: any key not listed here is an
// error naming it. Syntaxes inside strings (ports, volumes, devices) are parsed later.
import { z } from 'zod';
import { buildSchema } from './build.js';

/** Scalars that compose turns into strings (env values, labels, options). */
const stringish = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const numberish = z.union([z.number(), z.string()]);
const stringList = z.array(z.string());
const stringOrList = z.union([z.string(), stringList]);
const mapOrList = z.union([z.record(z.string(), stringish.nullable()), z.array(z.string())]);

const portLong = z.strictObject({
  target: z.union([z.number().int(), z.string()]),
  published: z.union([z.number().int(), z.string()]).optional(),
  host_ip: z.string().optional(),
  protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
  mode: z.enum(['host', 'ingress']).optional(),
});

const volumeLong = z.strictObject({
  type: z.enum(['volume', 'bind', 'tmpfs']),
  source: z.string().optional(),
  target: z.string(),
  read_only: boolish.optional(),
  consistency: z.string().optional(),
  bind: z
    .strictObject({
      propagation: z.enum(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']).optional(),
      create_host_path: boolish.optional(),
      selinux: z.enum(['z', 'Z']).optional(),
    })
    .optional(),
  volume: z.strictObject({ nocopy: boolish.optional() }).optional(),
  tmpfs: z.strictObject({ size: numberish.optional(), mode: z.number().int().optional() }).optional(),
});

const healthcheck = z.strictObject({
  test: stringOrList.optional(),
  interval: numberish.optional(),
  timeout: numberish.optional(),
  start_period: numberish.optional(),
  start_interval: numberish.optional(),
  retries: z.number().int().min(0).optional(),
  disable: boolish.optional(),
});

const serviceNetwork = z
  .strictObject({
    aliases: stringList.optional(),
    ipv4_address: z.string().optional(),
    ipv6_address: z.string().optional(),
  })
  .nullable();

const ulimit = z.union([z.number().int(), z.strictObject({ soft: z.number().int(), hard: z.number().int() })]);

const resources = z.strictObject({
  cpus: numberish.optional(),
  memory: numberish.optional(),
  pids: z.number().int().optional(),
});

const deviceRequest = z.strictObject({
  capabilities: stringList,
  driver: z.string().optional(),
  count: z.union([z.number().int(), z.literal('all')]).optional(),
  device_ids: stringList.optional(),
  options: z.record(z.string(), stringish).optional(),
});

/** Keys of deploy: that only swarm acts on; refused with what to do instead. */
export const SWARM_DEPLOY_KEYS = ['placement', 'update_config', 'rollback_config', 'endpoint_mode', 'labels'] as const;

const deploy = z.strictObject({
  replicas: z.number().int().optional(),
  resources: z
    .strictObject({
      limits: resources.optional(),
      reservations: resources.extend({ devices: z.array(deviceRequest).optional() }).strict().optional(),
    })
    .optional(),
  restart_policy: z
    .strictObject({ condition: z.enum(['none', 'on-failure', 'any']).optional(), max_attempts: z.number().int().optional(), delay: numberish.optional(), window: numberish.optional() })
    .optional(),
  mode: z.enum(['replicated', 'global']).optional(),
  placement: z.unknown().optional(),
  update_config: z.unknown().optional(),
  rollback_config: z.unknown().optional(),
  endpoint_mode: z.unknown().optional(),
  labels: z.unknown().optional(),
});

const fileMount = z.union([
  z.string(),
  z.strictObject({
    source: z.string(),
    target: z.string().optional(),
    uid: stringish.optional(),
    gid: stringish.optional(),
    mode: z.number().int().optional(),
  }),
]);

const envFileEntry = z.union([z.string(), z.strictObject({ path: z.string(), required: boolish.optional(), format: z.string().optional() })]);

const dependsCondition = z.enum(['service_started', 'service_healthy', 'service_completed_successfully']);

export const serviceSchema = z.strictObject({
  image: z.string().min(1).optional(),
  build: buildSchema.optional(),
  command: stringOrList.nullable().optional(),
  entrypoint: stringOrList.nullable().optional(),
  environment: mapOrList.optional(),
  env_file: z.union([envFileEntry, z.array(envFileEntry)]).optional(),
  ports: z.array(z.union([z.string(), z.number().int(), portLong])).optional(),
  volumes: z.array(z.union([z.string(), volumeLong])).optional(),
  restart: z.string().optional(),
  labels: mapOrList.optional(),
  healthcheck: healthcheck.optional(),
  depends_on: z
    .union([
      stringList,
      z.record(z.string(), z.strictObject({ condition: dependsCondition.optional(), restart: boolish.optional(), required: boolish.optional() }).nullable()),
    ])
    .optional(),
  networks: z.union([stringList, z.record(z.string(), serviceNetwork)]).optional(),
  network_mode: z.string().optional(),
  user: z.union([z.string(), z.number().int()]).optional(),
  working_dir: z.string().optional(),
  hostname: z.string().optional(),
  extra_hosts: z.union([stringList, z.record(z.string(), z.string())]).optional(),
  devices: stringList.optional(),
  cap_add: stringList.optional(),
  cap_drop: stringList.optional(),
  privileged: boolish.optional(),
  stop_grace_period: numberish.optional(),
  stop_signal: z.string().optional(),
  mem_limit: numberish.optional(),
  cpus: numberish.optional(),
  logging: z
    .strictObject({ driver: z.string().optional(), options: z.record(z.string(), stringish).nullable().optional() })
    .optional(),
  init: boolish.optional(),
  read_only: boolish.optional(),
  tmpfs: stringOrList.optional(),
  container_name: z.string().optional(),
  pull_policy: z.enum(['missing', 'always', 'never', 'if_not_present']).optional(),
  expose: z.array(z.union([z.string(), z.number().int()])).optional(),
  sysctls: mapOrList.optional(),
  deploy: deploy.nullable().optional(),
  links: stringList.optional(),
  stdin_open: boolish.optional(),
  tty: boolish.optional(),
  volumes_from: stringList.optional(),
  ulimits: z.record(z.string(), ulimit).optional(),
  dns: stringOrList.optional(),
  dns_search: stringOrList.optional(),
  dns_opt: stringList.optional(),
  group_add: z.array(z.union([z.string(), z.number().int()])).optional(),
  pid: z.string().optional(),
  ipc: z.string().optional(),
  security_opt: stringList.optional(),
  shm_size: numberish.optional(),
  mem_reservation: numberish.optional(),
  pids_limit: z.number().int().optional(),
  secrets: z.array(fileMount).optional(),
  configs: z.array(fileMount).optional(),
  profiles: stringList.optional(),
  'x-moor': z.strictObject({ update: z.enum(['stop-first', 'start-first']).optional() }).optional(),
});
export type ServiceInput = z.infer<typeof serviceSchema>;

/** `external: true`, or the legacy `external: { name: NAME }` (compose file format 2/3). */
const external = z.union([boolish, z.strictObject({ name: z.string() })]);

const topVolume = z
  .strictObject({
    driver: z.string().optional(),
    driver_opts: z.record(z.string(), stringish).optional(),
    labels: mapOrList.optional(),
    external: external.optional(),
    name: z.string().optional(),
  })
  .nullable();

const ipam = z.strictObject({
  driver: z.string().optional(),
  config: z
    .array(
      z.strictObject({
        subnet: z.string().optional(),
        ip_range: z.string().optional(),
        gateway: z.string().optional(),
        aux_addresses: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
  options: z.record(z.string(), stringish).optional(),
});

const topNetwork = z
  .strictObject({
    driver: z.string().optional(),
    driver_opts: z.record(z.string(), stringish).optional(),
    labels: mapOrList.optional(),
    external: external.optional(),
    name: z.string().optional(),
    internal: boolish.optional(),
    enable_ipv6: boolish.optional(),
    attachable: boolish.optional(),
    ipam: ipam.optional(),
  })
  .nullable();

/** A secret or config: from a file (in the repo or on the host), a .env variable, or external. */
const topFileObject = z.strictObject({
  file: z.string().optional(),
  environment: z.string().optional(),
  content: z.string().optional(),
  external: external.optional(),
  name: z.string().optional(),
});

export const composeSchema = z.strictObject({
  /** Obsolete in compose v2 and meaningless, accepted so existing files validate. */
  version: stringish.optional(),
  name: z.string().optional(),
  services: z.record(z.string(), z.unknown()).nullable().optional(),
  volumes: z.record(z.string(), topVolume).nullable().optional(),
  networks: z.record(z.string(), topNetwork).nullable().optional(),
  secrets: z.record(z.string(), topFileObject).nullable().optional(),
  configs: z.record(z.string(), topFileObject).nullable().optional(),
});
export type ComposeInputTree = z.infer<typeof composeSchema>;
export type TopVolumeInput = z.infer<typeof topVolume>;
export type TopNetworkInput = z.infer<typeof topNetwork>;
export type TopFileInput = z.infer<typeof topFileObject>;

/** Compose extension fields (`x-...`) are for anchors and tools; moor ignores them. */
export function withoutExtensions(value: Record<string, unknown>, keep: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('x-') || keep.includes(k)) out[k] = v;
  return out;
}
