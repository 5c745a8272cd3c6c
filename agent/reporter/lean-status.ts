// The agent's end of the 'lean-status' and 'events-status' features: a status whose resources equal
// those of the last status sent on this link goes without them, when the hub's welcome offered it,
// and a status may ride on the events frame that told of its change. The first status of a link,
// and the answer to a hub's status request, are always whole.

import type { StatusSnapshot } from '../contracts/status-model.js';
import type { AgentFrame } from '../contracts/hub-protocol.js';

export type StatusFrame = Extract<AgentFrame, { t: 'status' }>;

/** A status as a frame carries it: whole, or lean (its resources left out as unchanged). */
export type StatusPart = { status: StatusSnapshot } | { status: Omit<StatusSnapshot, 'resources'>; resources: 'unchanged' };

/** What the link has sent of its resources, and what its hub offered; reset with every new link. */
export interface LeanStatusState {
  /** This link's welcome offered 'lean-status'. */
  leanStatus: boolean;
  /** This link's welcome offered 'events-status': a status may ride on an events frame. */
  eventsStatus: boolean;
  /** JSON of the resources of the last status sent on this link (null: none yet). */
  lastResources: string | null;
}

/**
 * The status as the next frame carries it: lean only when `mayBeLean`, the hub offered it and the
 * resources did not change. Call it only for a frame that is sent: it records the resources as sent.
 */
export function statusPart(state: LeanStatusState, status: StatusSnapshot, mayBeLean: boolean): StatusPart {
  const resources = JSON.stringify(status.resources);
  const lean = mayBeLean && state.leanStatus && resources === state.lastResources;
  state.lastResources = resources;
  if (!lean) return { status };
  const { resources: _sent, ...rest } = status;
  return { status: rest, resources: 'unchanged' };
}

/** The status frame for `status` (see statusPart). */
export function statusFrame(state: LeanStatusState, status: StatusSnapshot, mayBeLean: boolean): StatusFrame {
  return { t: 'status', ...statusPart(state, status, mayBeLean) };
}

/** A new link: nothing sent on it yet, and no feature offered until its welcome. */
export function resetLeanStatus(state: LeanStatusState): void {
  state.leanStatus = false;
  state.eventsStatus = false;
  state.lastResources = null;
}
