// What the planner knows besides the two states: who we are, which commit, which policy.

import type { ContainerSpec, FileSpec, UnitSpec } from '../desired/model.js';
import { MoorError } from '../contracts/errors.js';

export interface PlanContext {
  host: string;
  /** Full commit id being applied; written into `moor.revision`. */
  revision: string;
  /** Remove managed resources that are no longer declared. */
  prune: boolean;
  /** Pull `pull_policy: always` images: true when following a new commit, false when healing. */
  pullAlways: boolean;
  /** The spec each container was last created from, by name, to explain replacements. */
  appliedSpecs: Readonly<Record<string, ContainerSpec>>;
  /**
   * Units and files as last applied, recorded in the store (files without their content):
   * what moor installed (and may prune), and what the last apply asked for (to tell drift).
   */
  appliedUnits?: Readonly<Record<string, UnitSpec>>;
  appliedFiles?: Readonly<Record<string, FileSpec>>;
  /** policy.units.install; absent: `own` (a unit file the host already had is not overridden). */
  unitInstall?: 'own' | 'any' | readonly string[];
}

/** The desired state cannot be planned against what runs (a name clash, a missing image). */
export class PlanError extends MoorError {}
