// Reads one commit's exported tree into the desired state the agent applies: the loader (parse,
// validate, normalise) and, where moor manages systemd, systemd's own check of the commit's unit
// files. The daemon runs it in the load child (load-child.ts); the one-shot verbs run it in process.

import { InvalidConfigError } from '../contracts/errors.js';
import type { LoadOptions } from '../desired/load-lists.js';
import type { DesiredState } from '../desired/model.js';
import { verifyUnitFiles } from '../executors/systemd/verify-units.js';

export interface CommitLoadOptions extends LoadOptions {
  /** Check unit files with `systemd-analyze verify` (hosts where moor manages systemd). */
  verifyUnits: boolean;
}

export async function loadCommit(dir: string, options: CommitLoadOptions): Promise<DesiredState> {
  // Loaded on a new commit only: a restarted agent reads the stored states (reconciler/stored-desired.ts).
  const { loadDesiredState } = await import('../desired/load.js');
  const desired = await loadDesiredState(dir, options);
  // Units systemd would ignore parts of, or refuse, fail the commit before anything runs.
  const problems = options.verifyUnits ? await verifyUnitFiles(desired.units) : [];
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return desired;
}
