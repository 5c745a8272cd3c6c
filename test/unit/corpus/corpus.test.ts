// Runs the malformed and hostile corpus through the parser: every case is refused as a whole
// (InvalidConfigError, no partial state), and its problems name the file and the key at fault.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_PROJECTS_DIR, loadDesiredState, validateDir } from '../../../agent/desired/load.js';
import { InvalidConfigError, type ConfigProblem } from '../../../agent/contracts/errors.js';
import { corpusCases } from './cases.js';
import { DEFAULT_POLICY, shortfall, writeConfigDir } from './corpus-dir.js';

describe('the malformed and hostile corpus', () => {
  const cases = corpusCases();
  let root = '';
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('holds at least 200 cases', () => {
    assert.ok(cases.length >= 200, `only ${cases.length} cases`);
  });

  it('refuses every case as a whole, naming the file and the key at fault', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'moor-corpus-'));
    const failures: string[] = [];
    for (const c of cases) {
      const dir = await writeConfigDir(root, c.files);
      let problems: ConfigProblem[];
      try {
        problems = await validateDir(dir, { policy: DEFAULT_POLICY, projectsDir: DEFAULT_PROJECTS_DIR });
      } catch (err) {
        failures.push(`${c.name}: validateDir threw ${String(err)}`);
        continue;
      }
      const why = shortfall(c, problems);
      if (why) failures.push(`${c.name}: ${why}`);
      try {
        await loadDesiredState(dir, { policy: DEFAULT_POLICY, projectsDir: DEFAULT_PROJECTS_DIR });
        failures.push(`${c.name}: loadDesiredState returned a state`);
      } catch (err) {
        if (!(err instanceof InvalidConfigError)) failures.push(`${c.name}: loadDesiredState threw ${String(err)}, not InvalidConfigError`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases:\n${failures.join('\n')}`);
  });
});
