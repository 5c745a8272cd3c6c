// config/moor.schema.json (for editors) is the schema moor.yaml is validated with, not a copy
// that drifts: regenerate it with `node build/test/unit/desired/manifest-schema.test.js --write`.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { z } from 'zod';
import { manifestSchema } from '../../../agent/desired/manifest.js';

const FILE = new URL('../../../../config/moor.schema.json', import.meta.url);

function generated(): string {
  const schema = { ...z.toJSONSchema(manifestSchema, { io: 'input' }), title: 'moor.yaml, the host manifest of a moor config dir' };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv.includes('--write')) writeFileSync(FILE, generated());

test('config/moor.schema.json is generated from the schema moor.yaml is validated with', () => {
  assert.equal(readFileSync(FILE, 'utf8'), generated());
});
