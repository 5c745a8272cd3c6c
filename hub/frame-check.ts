// A frame validator compiled (by ajv) from the JSON Schema of a zod schema: it accepts what the
// schema accepts, without copying the frame or allocating a result per field as zod's parse does,
// which was a quarter of what the hub allocated under a rollout's thousands of frames a second.
// Only for schemas that change no value: what passes is the frame as it came.

import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';

const ajv = new Ajv({
  // A keyword ajv does not know would be ignored: that would check less than the zod schema.
  strict: true,
  // The first failure is enough: zod names the problem (frames.ts).
  allErrors: false,
  messages: false,
  // JSON.parse turns 1e999 into Infinity: not a number for zod, nor here.
  strictNumbers: true,
  validateFormats: false,
  // A discriminated union tried branch by branch cost more than zod's whole parse of the frame.
  discriminator: true,
  allowUnionTypes: true,
});

/** Compiles only schemas whose output is their input (no transform, default or coercion). */
type Unchanging<S extends z.ZodType> = [z.input<S>] extends [z.output<S>] ? ([z.output<S>] extends [z.input<S>] ? S : never) : never;

export function compiledCheck<S extends z.ZodType>(schema: Unchanging<S>): ValidateFunction<z.output<S>> {
  return ajv.compile<z.output<S>>(z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'throw', override: (ctx) => (tagged(ctx), nullable(ctx), noProtoKey(ctx)) }));
}

/** zod drops a record's own "__proto__" key from what it hands back: such a frame is left to zod. */
function noProtoKey(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  if (ctx.zodSchema._zod.def.type !== 'record') return;
  const names = ctx.jsonSchema.propertyNames;
  ctx.jsonSchema.propertyNames = { ...(typeof names === 'object' ? names : {}), not: { const: '__proto__' } };
}

const TYPELESS = ['enum', 'const', 'anyOf', 'oneOf', 'allOf', 'not', 'if', '$ref'];

/** `X or null` as one type check (["string", "null"]), not a second schema tried after the first failed. */
function nullable(ctx: { jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const options = ctx.jsonSchema.anyOf;
  const inner = options?.[0];
  if (options?.length !== 2 || options[1]?.type !== 'null' || typeof inner?.type !== 'string') return;
  // Keywords that hold whatever the type (enum, const, combinators) would refuse the null.
  if (TYPELESS.some((k) => k in inner)) return;
  delete ctx.jsonSchema.anyOf;
  Object.assign(ctx.jsonSchema, inner, { type: [inner.type, 'null'] });
}

/** A discriminated union's branch is picked by its tag, as zod picks it, not found by trying each one. */
function tagged(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== 'union' || !('discriminator' in def) || typeof def.discriminator !== 'string') return;
  Object.assign(ctx.jsonSchema, { type: 'object', discriminator: { propertyName: def.discriminator } });
}
