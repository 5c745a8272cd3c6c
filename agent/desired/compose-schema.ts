// The compose subset moor supports, as zod strict schemas: any key not listed here is an
// error naming it. Syntaxes inside strings (ports, volumes, devices) are parsed later.
import { z } from 'zod';
import { buildSchema } from './compose-build.js';

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
  tmpfs: z.strictObject({ size: numberish.optional(), mode: z.number().int().optional() }).optional(),
});

const healthcheck = z.strictObject({
  test: stringOrList.optional(),
  interval: numberish.optional(),
  timeout: numberish.optional(),
  start_period: numberish.optional(),
  retries: z.number().int().min(0).optional(),
  disable: boolish.optional(),
});

const dependsCondition = z.enum(['service_started', 'service_healthy', 'service_completed_successfully']);

export const serviceSchema = z.strictObject({
  image: z.string().min(1).optional(),
  build: buildSchema.optional(),
  command: stringOrList.nullable().optional(),
  entrypoint: stringOrList.nullable().optional(),
  environment: mapOrList.optional(),
  env_file: stringOrList.optional(),
  ports: z.array(z.union([z.string(), z.number().int(), portLong])).optional(),
  volumes: z.array(z.union([z.string(), volumeLong])).optional(),
  restart: z.string().optional(),
  labels: mapOrList.optional(),
  healthcheck: healthcheck.optional(),
  depends_on: z
    .union([stringList, z.record(z.string(), z.strictObject({ condition: dependsCondition.optional() }).nullable())])
    .optional(),
  networks: z.union([stringList, z.record(z.string(), z.strictObject({}).nullable())]).optional(),
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
  'x-moor': z.strictObject({ update: z.enum(['stop-first', 'start-first']).optional() }).optional(),
});
export type ServiceInput = z.infer<typeof serviceSchema>;

const topVolume = z
  .strictObject({
    driver: z.string().optional(),
    driver_opts: z.record(z.string(), stringish).optional(),
    labels: mapOrList.optional(),
    external: boolish.optional(),
    name: z.string().optional(),
  })
  .nullable();

const topNetwork = z
  .strictObject({
    driver: z.string().optional(),
    driver_opts: z.record(z.string(), stringish).optional(),
    labels: mapOrList.optional(),
    external: boolish.optional(),
    name: z.string().optional(),
    internal: boolish.optional(),
  })
  .nullable();

export const composeSchema = z.strictObject({
  /** Obsolete in compose v2 and meaningless, accepted so existing files validate. */
  version: stringish.optional(),
  name: z.string().optional(),
  services: z.record(z.string(), z.unknown()).nullable().optional(),
  volumes: z.record(z.string(), topVolume).nullable().optional(),
  networks: z.record(z.string(), topNetwork).nullable().optional(),
});
export type ComposeInputTree = z.infer<typeof composeSchema>;
export type TopVolumeInput = z.infer<typeof topVolume>;
export type TopNetworkInput = z.infer<typeof topNetwork>;

/** Compose extension fields (`x-...`) are for anchors and tools; moor ignores them. */
export function withoutExtensions(value: Record<string, unknown>, keep: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('x-') || keep.includes(k)) out[k] = v;
  return out;
}
