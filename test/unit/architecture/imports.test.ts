// The import graph of the TypeScript sources obeys STYLE.md's direction of dependencies and has
// no cycle (type-only imports count): checked with dependency-cruiser on the sources, not the build.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

// build/test/unit/architecture -> the repository root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const require = createRequire(import.meta.url);

/** Cruises the given folders (relative to the repository root) with the rules of test/architecture.depcruise.cjs. */
export async function violationsOf(folders: string[]): Promise<string[]> {
  // Our own rules file, read once: checked for the one field the cruise needs.
  const config = require(resolve(ROOT, 'test/architecture.depcruise.cjs')) as IConfiguration;
  if (!Array.isArray(config.forbidden)) throw new Error('test/architecture.depcruise.cjs has no forbidden rules');
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    const result = await cruise(folders, {
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      tsPreCompilationDeps: true,
      exclude: { path: '(^|/)(node_modules|build)/' },
      doNotFollow: { path: 'node_modules' },
    });
    const output = result.output;
    if (typeof output === 'string') throw new Error(`dependency-cruiser answered text: ${output.slice(0, 200)}`);
    return describe(output);
  } finally {
    process.chdir(cwd);
  }
}

function describe(output: ICruiseResult): string[] {
  return output.summary.violations.map((v) => {
    const via = v.cycle && v.cycle.length > 0 ? ` (cycle: ${v.from} > ${v.cycle.map((c) => (typeof c === 'string' ? c : c.name)).join(' > ')})` : '';
    return `${v.rule.name}: ${v.from} -> ${v.to}${via}`;
  });
}

test('the agent, hub and fleet sources import along STYLE.md’s direction, without cycles', { timeout: 300_000 }, async () => {
  const violations = await violationsOf(['agent', 'hub', 'fleet', 'test']);
  assert.deepEqual(violations, []);
});
