// How a child process (checkout, load) hands the agent the error it met: a MoorError's code,
// message, handling and data, which the agent turns back into its own error.

import { z } from 'zod';

/** Built inside a protocol's on-demand schema, never at import. */
export const childErrorSchema = () =>
  z.object({
    code: z.string(),
    message: z.string(),
    handling: z.enum(['commit', 'retry', 'fatal', 'bug']),
    data: z.record(z.string(), z.unknown()).optional(),
  });

export type ChildError = z.infer<ReturnType<typeof childErrorSchema>>;
