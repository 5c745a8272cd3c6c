// The engine child's side of its wire: every request from the agent is checked here before the
// child acts on it, each method's arguments against the engine port's types (the container,
// network and volume specs against the shared spec schemas).

import { z } from 'zod';
import { exactly, specSchemas, stringMap } from '../../contracts/spec-schemas.js';
import type { EngineChildRequest } from './engine-child-protocol.js';

const { containerSpecSchema, serviceEndpointsSchema, networkSpecSchema, volumeSpecSchema } = specSchemas(exactly);

const call = <M extends string, A extends z.ZodTypeAny>(method: M, args: A) => z.object({ type: z.literal('call'), id: z.number().int(), method: z.literal(method), args });
const name = z.string().min(1);

const buildRequestSchema = z.object({
  tag: z.string(),
  contextDir: z.string(),
  files: z.array(z.string()).nullable(),
  dockerfile: z.string(),
  args: stringMap,
  target: z.string().nullable(),
  labels: stringMap,
});

const callSchema = z.discriminatedUnion('method', [
  call('buildImage', z.tuple([buildRequestSchema])),
  call('logs', z.tuple([name, z.number().int().nonnegative()])),
  call('pullImage', z.tuple([name])),
  call('createNetwork', z.tuple([networkSpecSchema, stringMap])),
  call('removeNetwork', z.tuple([name])),
  call('createVolume', z.tuple([volumeSpecSchema, stringMap])),
  call('removeVolume', z.tuple([name])),
  call('createContainer', z.union([z.tuple([containerSpecSchema, stringMap]), z.tuple([containerSpecSchema, stringMap, z.object({ hidden: z.boolean() })])])),
  call('startContainer', z.tuple([name])),
  call('stopContainer', z.tuple([name, z.number().nonnegative()])),
  call('removeContainer', z.union([z.tuple([name]), z.tuple([name, z.object({ force: z.boolean() })])])),
  call('renameContainer', z.tuple([name, name])),
  call('disconnectNetworks', z.tuple([name])),
  call('announceContainer', z.tuple([name, serviceEndpointsSchema])),
]);

const initSchema = z.object({
  type: z.literal('init'),
  docker: z.object({ socketPath: z.string().nullable(), host: z.string().nullable(), port: z.number().nullable(), configFile: z.string().nullable() }),
  registries: z.array(z.object({ host: z.string(), username: z.string(), password: z.string() })),
  dockerConfigFile: z.string().nullable(),
  bindRoots: z.array(z.string()).optional(),
  volumeBindOutsideRoots: z.boolean().optional(),
  carried: z.array(z.tuple([z.string(), z.array(z.object({ target: z.string(), volume: z.string() }))])),
});

const kindSchema = z.object({ type: z.enum(['init', 'call', 'end']) });
const SCHEMAS: { [K in EngineChildRequest['type']]: z.ZodType<Extract<EngineChildRequest, { type: K }>> } = {
  init: initSchema,
  call: callSchema,
  end: z.object({ type: z.literal('end') }),
};

/** A request from the agent, checked against the schema of its type; a problem names where it differs. */
export function readEngineChildRequest(raw: unknown): { ok: true; request: EngineChildRequest } | { ok: false; problem: string } {
  const kind = kindSchema.safeParse(raw);
  if (!kind.success) return { ok: false, problem: 'type: not init, call or end' };
  const parsed = SCHEMAS[kind.data.type].safeParse(raw);
  if (parsed.success) return { ok: true, request: parsed.data };
  return { ok: false, problem: parsed.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(request)'}: ${i.message}`).join('; ') };
}
