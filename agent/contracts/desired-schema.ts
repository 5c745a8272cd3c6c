// zod guard of a DesiredState read back from the file the agent stored for a commit
// (agent/reconciler/stored-desired.ts): the whole model of agent/desired/model.ts, exact enums.
// Built on demand (on-demand.ts): the daemon reads a stored state once per commit.
// test/unit/contracts/desired-schema.test.ts proves that this schema and the type agree.

import { z } from 'zod';
import { onDemand } from './on-demand.js';
import { exactly, specSchemas, strings, stringMap } from './spec-schemas.js';

function buildDesiredStateSchema() {
  const { containerSpecSchema, networkSpecSchema, volumeSpecSchema, unitSpecSchema, fileSpecSchema, projectFileSchema } = specSchemas(exactly);
  const projectDirSchema = z.object({
    project: z.string(),
    dir: z.string(),
    files: z.array(projectFileSchema),
    dataDirs: strings,
  });
  return z.object({
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
}

export const desiredStateSchema = onDemand(buildDesiredStateSchema);
