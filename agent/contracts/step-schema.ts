// zod guard of a plan's steps as they cross the control socket (`moor plan` through the agent):
// the full Step union of agent/planner/steps.ts, each kind with its whole payload.
// test/unit/contracts/step-schema.test.ts proves that this schema and the Step type agree.

import { z } from 'zod';
import { specSchemas, strings, stringMap } from './spec-schemas.js';

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

const { buildSchema, containerSpecSchema, serviceEndpointsSchema, networkSpecSchema, volumeSpecSchema, unitSpecSchema, fileSpecSchema, projectFileSchema } = specSchemas<typeof REDACTED_MARK>(shown);

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
  z.object({ ...base, kind: z.literal('createContainer'), spec: containerSpecSchema, hidden: z.boolean().optional() }),
  named('startContainer'),
  z.object({ ...base, kind: z.literal('stopContainer'), name: z.string(), containerId: z.string(), timeoutMs: z.number() }),
  z.object({ ...base, kind: z.literal('removeContainer'), name: z.string(), containerId: z.string() }),
  z.object({ ...base, kind: z.literal('renameContainer'), containerId: z.string(), from: z.string(), to: z.string() }),
  z.object({ ...base, kind: z.literal('drainContainer'), name: z.string(), containerId: z.string() }),
  z.object({ ...base, kind: z.literal('announceContainer'), name: z.string(), endpoints: serviceEndpointsSchema }),
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
