// The shape of agent.yaml (README.md "Configuration", config/agent.schema.json) as zod strict schemas: any other key is an
// error naming it. Values are checked further and resolved in load.ts. Built on demand
// (contracts/on-demand.ts): the daemon reads its settings once, at start.
import { z } from 'zod';
import { onDemand } from '../contracts/on-demand.js';
import { DEFAULT_BIND_ROOTS, DEFAULT_FILE_ROOTS } from '../desired/default-policy.js';

function buildSettingsSchema() {
  const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
  const durationish = z.union([z.string(), z.number()]);

  return z.strictObject({
    host: z.string().min(1).optional(),
    source: z
      .strictObject({
        url: z.string().min(1),
        branch: z.string().min(1).optional(),
        path: z.string().optional(),
        interval: durationish.optional(),
        schedule: z.string().optional(),
        auth: z
          .strictObject({
            username: z.string().optional(),
            passwordFile: z.string().optional(),
            sshKeyFile: z.string().optional(),
            knownHostsFile: z.string().optional(),
          })
          .optional(),
        verify: z.strictObject({ mode: z.enum(['off', 'head']).optional(), keysFile: z.string().optional() }).optional(),
        allowRewind: boolish.optional(),
      })
      .optional(),
    docker: z.strictObject({ socket: z.string().optional(), host: z.string().optional(), configFile: z.string().optional() }).optional(),
    registries: z.array(z.strictObject({ host: z.string().min(1), username: z.string().min(1), passwordFile: z.string() })).optional(),
    systemd: z.strictObject({ unitDir: z.string().optional(), enabled: boolish.optional() }).optional(),
    policy: z
      .strictObject({
        selfHeal: boolish.optional(),
        prune: boolish.optional(),
        allowPrivileged: boolish.optional(),
        allowedBindRoots: z.array(z.string()).optional(),
        allowedFileRoots: z.array(z.string()).optional(),
        strictInterpolation: boolish.optional(),
        allow: z
          .strictObject({
            capabilities: z.array(z.string().min(1)).optional(),
            hostNetwork: boolish.optional(),
            hostPid: boolish.optional(),
            hostIpc: boolish.optional(),
            foreignContainers: boolish.optional(),
            external: boolish.optional(),
            volumeDrivers: z.array(z.string().min(1)).optional(),
            volumeBindOutsideRoots: boolish.optional(),
            securityOpt: boolish.optional(),
          })
          .optional(),
        units: z
          .strictObject({
            install: z.union([z.enum(['own', 'any']), z.array(z.string().min(1))]).optional(),
            dropInsFor: z.array(z.string().min(1)).optional(),
            maskOrStop: z.array(z.string().min(1)).optional(),
          })
          .optional(),
      })
      .optional(),
    hub: z
      .strictObject({
        url: z.string(),
        tokenFile: z.string(),
        heartbeat: durationish.optional(),
        caFile: z.string().optional(),
        outboxLimit: z.number().int().positive().optional(),
      })
      .optional(),
    stateDir: z.string().optional(),
    /** Where decrypted compose secrets live: a directory on a tmpfs (issue 13). */
    secretsDir: z.string().optional(),
    /** Each compose project's stable directory is `<projectsDir>/<project>`; default `<stateDir>/projects`. */
    projectsDir: z.string().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).optional(),
  });
}

export const settingsSchema = onDemand(buildSettingsSchema);

export type SettingsInput = z.infer<ReturnType<typeof settingsSchema>>;

export const DEFAULTS = {
  branch: 'hosts/{host}',
  intervalMs: 60_000,
  socketPath: '/var/run/docker.sock',
  unitDir: '/etc/systemd/system',
  allowedBindRoots: DEFAULT_BIND_ROOTS,
  allowedFileRoots: DEFAULT_FILE_ROOTS,
  heartbeatMs: 15_000,
  outboxLimit: 100_000,
  stateDir: '/var/lib/moor',
  secretsDir: '/run/moor/secrets',
  concurrency: 4,
  logLevel: 'info',
} as const;
