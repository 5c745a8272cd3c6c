// The engine child's wire (executors/docker/engine-child.ts and engine-child-main.ts): the agent
// starts the child with `init`, sends `call`s of the engine's write methods, and `end` after a
// sync; the child answers each call and, at the end, hands back what it remembers across calls
// (the anonymous volumes of removed containers). Replies are checked here, requests in
// engine-child-requests.ts (only the child loads those, with the spec schemas). The wire is this
// adapter's own, between its two halves, so it lives here rather than in contracts/.

import { z } from 'zod';
import { childErrorSchema, type ChildError } from '../../contracts/child-error.js';
import { onDemand } from '../../contracts/on-demand.js';
import type { RetiredVolume } from './anonymous-volumes.js';
import type { ContainerEngine } from './port.js';
import type { AgentSettings, RegistryCredential } from '../../settings/model.js';

export { ENGINE_VERB } from '../../contracts/child-verbs.js';

/** The methods the child runs: every write, and the logs (the reads run in the agent over plain http). */
export const CHILD_METHODS = [
  'buildImage', 'logs', 'pullImage', 'createNetwork', 'removeNetwork', 'createVolume', 'removeVolume',
  'createContainer', 'startContainer', 'stopContainer', 'removeContainer', 'renameContainer', 'disconnectNetworks',
  'announceContainer',
] as const satisfies readonly (keyof ContainerEngine)[];
export type ChildMethod = (typeof CHILD_METHODS)[number];

export type CarriedVolumes = [string, RetiredVolume[]][];

export interface EngineChildInit {
  type: 'init';
  docker: AgentSettings['docker'];
  registries: RegistryCredential[];
  dockerConfigFile: string | null;
  bindRoots?: string[];
  volumeBindOutsideRoots?: boolean;
  carried: CarriedVolumes;
}

export interface EngineChildCall<M extends ChildMethod = ChildMethod> {
  type: 'call';
  id: number;
  method: M;
  args: Parameters<NonNullable<ContainerEngine[M]>>;
}

export type EngineChildRequest = EngineChildInit | EngineChildCall | { type: 'end' };

export type EngineChildError = ChildError;

/** Built on demand (contracts/on-demand.ts): the daemon needs it only while an engine child runs. */
export const engineChildReplySchema = onDemand(() => {
  const carriedSchema: z.ZodType<CarriedVolumes> = z.array(z.tuple([z.string(), z.array(z.object({ target: z.string(), volume: z.string() }))]));

  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('result'), id: z.number(), value: z.unknown().optional() }),
    z.object({ type: z.literal('failed'), id: z.number(), error: childErrorSchema() }),
    z.object({ type: z.literal('ended'), carried: carriedSchema }),
    /** A request the child could not read: a bug on the agent's side. */
    z.object({ type: z.literal('refused'), message: z.string() }),
  ]);
});
export type EngineChildReply = z.infer<ReturnType<typeof engineChildReplySchema>>;

/** What each method's result must look like (void methods answer nothing). */
export const resultSchemas = onDemand((): { [M in ChildMethod]: z.ZodType<Awaited<ReturnType<NonNullable<ContainerEngine[M]>>>> } => ({
  buildImage: z.undefined(),
  logs: z.string(),
  pullImage: z.undefined(),
  createNetwork: z.undefined(),
  removeNetwork: z.undefined(),
  createVolume: z.undefined(),
  removeVolume: z.undefined(),
  createContainer: z.string(),
  startContainer: z.undefined(),
  stopContainer: z.undefined(),
  removeContainer: z.undefined(),
  renameContainer: z.undefined(),
  disconnectNetworks: z.undefined(),
  announceContainer: z.undefined(),
}));
