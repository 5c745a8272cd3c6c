// A ContainerSpec for the docker integration tests, built like the planner tests build theirs,
// for one test host; and the ownership labels moor puts on it.

import type { ContainerSpec } from '../../../agent/desired/model.js';
import { ownershipLabels } from '../../../agent/reconciler/labels.js';
import { container } from '../../unit/planner/fixtures.js';

/** The planner tests' spec builder, named and owned for an engine test's host. */
export function minimalSpec(host: string, service: string, overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return container(service, { project: host, name: `${host}-${service}`, pullPolicy: 'never', stopGracePeriodMs: 1000, ...overrides });
}

export function moorLabels(spec: ContainerSpec, host: string): Record<string, string> {
  return ownershipLabels({ host, project: spec.project, service: spec.service, hash: spec.hash, revision: 'f'.repeat(40) });
}
