// The planner's entry point: (desired, observed, context) -> Plan. Pure and synchronous:
// no I/O, no clock, no randomness; the same inputs always give the same plan.

import type { DesiredState } from '../desired/model.js';
import type { ObservedState } from '../contracts/observed.js';
import { PlanBuilder } from './builder.js';
import { planContainers } from './containers.js';
import type { PlanContext } from './context.js';
import { planBuilds } from './builds.js';
import { planFiles } from './files.js';
import { planProjectDirs } from './project-dirs.js';
import type { Plan } from './steps.js';
import { planUnits } from './units.js';

export function plan(desired: DesiredState, observed: ObservedState, ctx: PlanContext): Plan {
  const b = new PlanBuilder();
  const placed = planProjectDirs(desired, observed, b);
  planContainers(desired, observed, ctx, b);
  // A container is created only once what it binds from its project directory is in place.
  for (const [project, ids] of placed) b.requireWhere((s) => s.kind === 'createContainer' && s.spec.project === project, ids);
  planBuilds(desired, observed, b, placed);
  // Files before units: a changed file restarts the units that list it in `restarts:`.
  const files = planFiles(desired, observed, ctx, b);
  planUnits(desired, observed, ctx, b, files);
  return b.build();
}
