// Plans `build:` images: built when the image is missing or carries another build hash (its
// context, dockerfile, args or target changed), before anything that uses it is stopped or
// created, and after its context is placed. Pure: no I/O, no clock.

import type { ContainerSpec, DesiredState } from '../desired/model.js';
import type { ObservedState } from '../contracts/observed.js';
import type { PlanBuilder } from './builder.js';
import { byCodeUnits } from './order.js';

export function planBuilds(desired: DesiredState, observed: ObservedState, b: PlanBuilder, placed: ReadonlyMap<string, string[]>): void {
  const byImage = new Map<string, ContainerSpec[]>();
  for (const spec of desired.containers) if (spec.build) byImage.set(spec.image, [...(byImage.get(spec.image) ?? []), spec]);
  for (const [image, specs] of [...byImage.entries()].sort(([a], [b2]) => byCodeUnits(a, b2))) {
    const first = specs[0];
    const build = first?.build;
    if (!first || !build) continue;
    const have = observed.builtImages?.[image] ?? null;
    if (have === build.hash) continue;
    const dir = desired.projectDirs?.find((d) => d.project === first.project)?.dir;
    if (dir === undefined) continue;
    const prefix = build.context === '.' ? '' : `${build.context}/`;
    const files = (desired.projectDirs?.find((d) => d.dir === dir)?.files ?? []).filter((f) => f.rel.startsWith(prefix)).map((f) => f.rel.slice(prefix.length));
    b.explain({
      kind: 'image',
      name: image,
      action: have === null ? 'create' : 'replace',
      why: have === null ? `built from ${build.context}` : `build context ${build.context} changed`,
      fields: [],
      drift: false,
    });
    const id = b.add({ kind: 'buildImage', resource: `image/${image}`, image, dir, build, files }, placed.get(first.project) ?? []);
    const names = new Set(specs.map((s) => s.name));
    // As with pulls: nothing is stopped before the image it needs is there.
    b.requireWhere((s) => (s.kind === 'createContainer' && s.spec.image === image) || (s.kind === 'stopContainer' && names.has(s.name)), [id]);
  }
}
