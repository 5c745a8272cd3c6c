// Reads the systemd units of a config dir (units/NAME and its NAME.d drop-ins), merged with
// what moor.yaml declares about each (enabled, state, mask, on change).

import type { Manifest } from './manifest.js';
import { unitNameProblem } from './unit-name.js';
import { specHash } from './hash.js';
import type { UnitSpec } from './model.js';
import type { ProblemList } from '../config-text/problems.js';
import { MAX_CONFIG_BYTES } from '../config-text/yaml-file.js';
import type { RepoDir } from './repo-files.js';
import { wholeFile } from './load-lists.js';

export async function readUnits(repo: RepoDir, manifest: Manifest, problems: ProblemList): Promise<UnitSpec[]> {
  // A units/ folder that leads out of the config dir is refused, not silently skipped.
  const unitsProblem = await repo.unusable('units');
  if (unitsProblem) problems.add(wholeFile('units'), [], unitsProblem);
  const entries = await repo.list('units');
  const names = new Set(manifest.units.map((u) => u.name));
  for (const entry of entries) {
    const name = entry.dir && entry.name.endsWith('.d') ? entry.name.slice(0, -2) : entry.name;
    const problem = unitNameProblem(name);
    if (problem) problems.add(wholeFile(`units/${entry.name}`), [], problem);
    else names.add(name);
  }
  const declared = new Map(manifest.units.map((u) => [u.name, u]));
  const units: UnitSpec[] = [];
  for (const name of [...names].sort()) {
    if (unitNameProblem(name)) continue;
    const read = await repo.read(`units/${name}`, MAX_CONFIG_BYTES);
    if (!read.ok && !read.missing) problems.add(wholeFile(`units/${name}`), [], read.message);
    const dropIns: Record<string, string> = {};
    const dropInProblem = await repo.unusable(`units/${name}.d`);
    if (dropInProblem) problems.add(wholeFile(`units/${name}.d`), [], dropInProblem);
    for (const dropIn of await repo.list(`units/${name}.d`)) {
      const rel = `units/${name}.d/${dropIn.name}`;
      if (!dropIn.name.endsWith('.conf') || !/^[A-Za-z0-9:_.@-]+$/.test(dropIn.name)) {
        problems.add(wholeFile(rel), [], 'drop-ins must be named NAME.conf');
        continue;
      }
      const content = await repo.read(rel, MAX_CONFIG_BYTES);
      if (content.ok) dropIns[dropIn.name] = content.data.toString('utf8');
      else problems.add(wholeFile(rel), [], content.message);
    }
    const d = declared.get(name);
    const unit: UnitSpec = {
      name,
      content: read.ok ? read.data.toString('utf8') : null,
      dropIns,
      enabled: d?.enabled ?? null,
      state: d?.state ?? null,
      mask: d?.mask ?? false,
      onChange: d?.onChange ?? 'restart',
      hash: '',
    };
    unit.hash = specHash(unit);
    units.push(unit);
  }
  return units;
}
