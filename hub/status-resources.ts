// Whether a status's resources are those the hub stored already: most statuses after a sync repeat
// them (the same array when a lean status was completed on the link; an equal one when an agent
// sent its status whole), and then only the rest of the status is written.

import type { ResourceStatus } from '../agent/contracts/status-model.js';

export function sameResources(a: readonly ResourceStatus[], b: readonly ResourceStatus[] | null): boolean {
  if (a === b) return true;
  if (b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return false;
    if (x.kind !== y.kind || x.name !== y.name || x.health !== y.health || x.detail !== y.detail) return false;
  }
  return true;
}
