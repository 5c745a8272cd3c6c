// The load child's wire (agent/commit-load/load-child.ts and load-main.ts): the agent sends one
// request over IPC (a commit's exported tree and how to read it), the child answers with the
// commit's normalised desired state or the error it met, and the warnings it met, then exits.
// Both sides check what they receive; the schemas are built on demand (on-demand.ts): the
// daemon needs them only while a new commit is loaded.

import { z } from 'zod';
import { desiredStateSchema } from './desired-schema.js';
import { childErrorSchema } from './child-error.js';
import { onDemand } from './on-demand.js';

export { LOAD_VERB } from './child-verbs.js';

/** agent.yaml's policy as the settings loader resolved it (desired/policy-settings.ts). */
function buildPolicySchema() {
  const names = z.array(z.string());
  return z.object({
    selfHeal: z.boolean(),
    prune: z.boolean(),
    allowPrivileged: z.boolean(),
    allowedBindRoots: names,
    allowedFileRoots: names,
    strictInterpolation: z.boolean().optional(),
    allow: z
      .object({
        capabilities: names,
        hostNetwork: z.boolean(),
        hostPid: z.boolean(),
        hostIpc: z.boolean(),
        foreignContainers: z.boolean(),
        external: z.boolean(),
        volumeDrivers: names,
        volumeBindOutsideRoots: z.boolean(),
        securityOpt: z.boolean(),
      })
      .optional(),
    units: z.object({ install: z.union([z.enum(['own', 'any']), names]), dropInsFor: names, maskOrStop: names }).optional(),
  });
}

export const loadRequestSchema = onDemand(() =>
  z.object({
    type: z.literal('load'),
    /** The commit's exported tree (the snapshot folder). */
    dir: z.string(),
    policy: buildPolicySchema(),
    projectsDir: z.string(),
    /** The host's age identity lives here; `.age` files of the commit are decrypted with it. */
    stateDir: z.string(),
    /** The tmpfs where compose secrets are placed. */
    secretsDir: z.string(),
    /** The agent's own secret values (hub token, passwords): never in a problem or warning. */
    knownSecrets: z.array(z.string()),
    /** Check the commit's unit files with systemd-analyze (hosts where moor manages systemd). */
    verifyUnits: z.boolean(),
  }),
);
export type LoadRequest = z.infer<ReturnType<typeof loadRequestSchema>>;

export const loadReplySchema = onDemand(() => {
  const problem = z.object({ file: z.string(), line: z.number(), key: z.string(), message: z.string() });
  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('loaded'), state: desiredStateSchema(), warnings: z.array(problem), peakKb: z.number() }),
    z.object({
      type: z.literal('failed'),
      error: childErrorSchema(),
      warnings: z.array(problem),
      peakKb: z.number(),
    }),
  ]);
});
export type LoadReply = z.infer<ReturnType<typeof loadReplySchema>>;
