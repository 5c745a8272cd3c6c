// The fleet definition's files: fleet.yaml and hosts/<host>.yaml, as strict zod schemas.
// Unknown keys are errors (reported FILE:LINE: key by the desired/ problem list).

import { z } from 'zod';

/** Values become `.env` lines: numbers and booleans are written as compose would read them. */
const valueish = z.union([z.string(), z.number(), z.boolean()]).transform(String);
export const valuesSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a valid variable name'), valueish);
const labelsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const stackList = z.array(z.string());

/** `select: { role: camera }` (each label must equal) or the string form `role=camera,site in (a,b)`. */
const selectSchema = z.union([labelsSchema, z.string()]);
const percentish = z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?%$/, 'a count or a percentage like "10%"')]);

export const fleetSchema = z.strictObject({
  hostBranch: z.string().min(1).optional(),
  values: valuesSchema.optional(),
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        select: selectSchema.optional(),
        stacks: stackList.optional(),
        values: valuesSchema.optional(),
      }),
    )
    .optional(),
  /** Per-stack options: which stacks it may override (their services, units, files). */
  stacks: z.record(z.string(), z.strictObject({ overrides: stackList.optional() })).optional(),
  rollout: z
    .strictObject({
      waves: z.array(percentish).min(1).optional(),
      maxFailures: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?%$/, 'a count or a percentage like "5%"')]).optional(),
      waveTimeout: z.union([z.string(), z.number()]).optional(),
      pause: z.union([z.string(), z.number()]).optional(),
    })
    .optional(),
});
export type FleetFile = z.infer<typeof fleetSchema>;

export const hostSchema = z.strictObject({
  labels: labelsSchema.optional(),
  values: valuesSchema.optional(),
  stacks: stackList.optional(),
  ageRecipient: z.string().regex(/^age1[0-9a-z]{20,}$/, 'an age recipient starts with age1 (from `moor secrets recipient`)').optional(),
  /** Merged last, over every stack: a compose fragment (services, volumes, networks). */
  overrides: z.strictObject({ compose: z.record(z.string(), z.unknown()).optional() }).optional(),
});
export type HostFile = z.infer<typeof hostSchema>;

export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const DEFAULT_HOST_BRANCH = 'hosts/{host}';
