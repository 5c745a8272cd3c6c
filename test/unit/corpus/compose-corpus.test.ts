// Real compose files as their projects publish them (../shared/compose-corpus, read in place,
// never copied) through the code path of `moor validate`, with a permissive policy: nearly
// all must be valid and none may crash. Prints which fail and why.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_PROJECTS_DIR, validateDir } from '../../../agent/desired/load.js';
import { formatProblem, type ConfigProblem } from '../../../agent/contracts/errors.js';
import type { PolicySettings } from '../../../agent/settings/model.js';
import { composeCorpusDir } from './corpus-dir.js';

const PERMISSIVE: PolicySettings = { selfHeal: true, prune: true, allowPrivileged: true, allowedBindRoots: ['/'], allowedFileRoots: ['/'] };
const MIN_VALID = 32;



describe('the real compose files of ../shared/compose-corpus', () => {
  const dir = composeCorpusDir();

  it('are valid with a permissive policy, at least 32 of 34, and none crashes', { skip: dir === null ? 'no ../shared/compose-corpus beside the checkout' : false }, async () => {
    const folders = readdirSync(dir ?? '', { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^\d\d-/.test(e.name))
      .map((e) => e.name)
      .sort();
    const valid: string[] = [];
    const failing: string[] = [];
    const crashed: string[] = [];
    for (const name of folders) {
      let problems: ConfigProblem[];
      try {
        problems = await validateDir(path.join(dir ?? '', name), { policy: PERMISSIVE, projectsDir: DEFAULT_PROJECTS_DIR });
      } catch (err) {
        crashed.push(`${name}: ${err instanceof Error ? err.stack : String(err)}`);
        continue;
      }
      if (problems.length === 0) valid.push(name);
      else failing.push(`${name}:\n    ${problems.slice(0, 4).map(formatProblem).join('\n    ')}`);
    }
    console.log(`compose corpus: ${valid.length} of ${folders.length} valid`);
    for (const f of failing) console.log(`  invalid ${f}`);
    assert.deepEqual(crashed, [], 'validate must never crash');
    assert.equal(folders.length, 34);
    assert.ok(valid.length >= MIN_VALID, `only ${valid.length} valid of ${folders.length}`);
  });
});
