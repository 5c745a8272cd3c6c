// The agent's end of the 'lean-status' feature: a status whose resources equal those of the last
// status sent on this link goes without them, when the hub's welcome offered it. The first status
// of a link, and the answer to a hub's status request, are always whole.

import type { StatusSnapshot } from '../contracts/status-model.js';
import type { AgentFrame } from '../contracts/hub-protocol.js';

export type StatusFrame = Extract<AgentFrame, { t: 'status' }>;

/** What the link has sent of its resources; reset with every new link. */
export interface LeanStatusState {
  /** This link's welcome offered 'lean-status'. */
  leanStatus: boolean;
  /** JSON of the resources of the last status sent on this link (null: none yet). */
  lastResources: string | null;
}

/** The frame for `status`: lean only when `mayBeLean`, the hub offered it and the resources did not change. */
export function statusFrame(state: LeanStatusState, status: StatusSnapshot, mayBeLean: boolean): StatusFrame {
  const resources = JSON.stringify(status.resources);
  const lean = mayBeLean && state.leanStatus && resources === state.lastResources;
  state.lastResources = resources;
  if (!lean) return { t: 'status', status };
  const { resources: _sent, ...rest } = status;
  return { t: 'status', status: rest, resources: 'unchanged' };
}

/** A new link: nothing sent on it yet, and no feature offered until its welcome. */
export function resetLeanStatus(state: LeanStatusState): void {
  state.leanStatus = false;
  state.lastResources = null;
}
