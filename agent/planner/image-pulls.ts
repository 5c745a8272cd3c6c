// Plans the image pulls that the created and replaced containers need, before anything stops;
// refuses a missing image whose pull_policy is never.

import type { ContainerSpec } from '../desired/model.js';
import type { ObservedState } from '../contracts/observed.js';
import type { PlanBuilder } from './builder.js';
import type { Decision } from './container-decisions.js';
import { PlanError, type PlanContext } from './context.js';

export function planPulls(
  wanted: ContainerSpec[],
  decisions: ReadonlyMap<string, Decision>,
  observed: ObservedState,
  ctx: PlanContext,
  b: PlanBuilder,
): string[] {
  const ids: string[] = [];
  const done = new Set<string>();
  for (const spec of wanted) {
    const d = decisions.get(spec.name);
    // A built image is never pulled: builds.ts plans it.
    if (!d || d.action === 'keep' || d.action === 'start' || done.has(spec.image) || spec.build) continue;
    const present = observed.images[spec.image] === true;
    if (spec.pullPolicy === 'never') {
      if (!present) {
        throw new PlanError('IMAGE_MISSING', `image ${spec.image} of ${spec.service} is not present and pull_policy is never`, {
          handling: 'commit',
          data: { service: spec.service, image: spec.image },
        });
      }
      continue;
    }
    if (present && !(spec.pullPolicy === 'always' && ctx.pullAlways)) continue;
    done.add(spec.image);
    b.explain({ kind: 'image', name: spec.image, action: 'pull', why: present ? 'pull_policy: always' : 'not present', fields: [], drift: false });
    ids.push(b.add({ kind: 'pullImage', resource: `image/${spec.image}`, image: spec.image }));
  }
  return ids;
}
