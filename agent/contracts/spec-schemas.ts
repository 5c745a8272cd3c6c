// zod shapes of the desired model's specs (agent/desired/model.ts), in one place for the two guards
// that need them: a plan's steps from the control socket (a fixed-set value may be the redaction
// marker, agent/contracts/step-schema.ts) and a stored desired state (exact, desired-schema.ts).

import { z } from 'zod';

/** How a guard takes a value of a fixed set: exactly, or also a marker X standing in for it. */
export type Choice<X extends string> = <const T extends readonly [string, ...string[]]>(values: T) => z.ZodType<T[number] | X>;

/** A value of a fixed set, exactly. */
export const exactly: Choice<never> = (values) => z.enum(values);

export const strings = z.array(z.string());
export const stringMap = z.record(z.string(), z.string());

/** The spec schemas, with fixed-set values taken as `choice` says. */
export function specSchemas<X extends string>(choice: Choice<X>) {
  const bindMount = z.object({
    type: choice(['bind']),
    source: z.string(),
    target: z.string(),
    readOnly: z.boolean(),
    repoPath: z.string().nullable(),
    propagation: z.string().nullable(),
    selinux: choice(['z', 'Z']).nullable(),
  });
  const volumeMount = z.object({ type: choice(['volume']), source: z.string(), target: z.string(), readOnly: z.boolean(), noCopy: z.boolean() });
  const tmpfsMount = z.object({ type: choice(['tmpfs']), target: z.string(), options: z.string() });

  const buildSchema = z.object({
    context: z.string(),
    dockerfile: z.string(),
    args: stringMap,
    target: z.string().nullable(),
    hash: z.string(),
    hostContext: z.boolean().optional(),
  });

  const restartSchema = z.union([
    choice(['no', 'always', 'unless-stopped', 'on-failure']),
    z.templateLiteral(['on-failure:', z.number()]),
  ]);

  const containerSpecSchema = z.object({
    project: z.string(),
    service: z.string(),
    name: z.string(),
    image: z.string(),
    pullPolicy: choice(['missing', 'always', 'never']),
    command: strings.nullable(),
    entrypoint: strings.nullable(),
    env: stringMap,
    ports: z.array(
      z.object({ hostIp: z.string(), hostPort: z.number().nullable(), containerPort: z.number(), protocol: choice(['tcp', 'udp', 'sctp']) }),
    ),
    mounts: z.array(z.union([bindMount, volumeMount, tmpfsMount])),
    restart: restartSchema,
    labels: stringMap,
    healthcheck: z
      .object({ test: strings, intervalMs: z.number(), timeoutMs: z.number(), retries: z.number(), startPeriodMs: z.number(), startIntervalMs: z.number() })
      .nullable(),
    dependsOn: z.array(z.object({ service: z.string(), condition: choice(['service_started', 'service_healthy', 'service_completed_successfully']) })),
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
    update: choice(['stop-first', 'start-first']),
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
    state: choice(['running', 'stopped']).nullable(),
    mask: z.boolean(),
    onChange: choice(['restart', 'reload']),
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
  const serviceEndpointsSchema = containerSpecSchema.pick({ service: true, networkMode: true, networks: true, endpoints: true, links: true });

  return { buildSchema, containerSpecSchema, serviceEndpointsSchema, networkSpecSchema, volumeSpecSchema, unitSpecSchema, fileSpecSchema, projectFileSchema };
}
