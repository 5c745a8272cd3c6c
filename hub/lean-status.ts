// The hub's end of the 'lean-status' feature, one per agent link (socket), never per host: a host
// may link to several hub processes sharing the database (cluster-node.ts), and only the process
// that received a link's whole status may complete that link's lean ones.

import type { AgentFrame, AgentMessage, LeanEventsFrame, LeanStatusFrame } from '../agent/contracts/hub-protocol.js';
import type { StatusSnapshot } from '../agent/contracts/status-model.js';

export class LinkStatus {
  /** The resources of the last whole status received on this link (null: none yet). */
  private resources: StatusSnapshot['resources'] | null = null;
  /** The last lean frame completed and what it became: the same frame again is the same message. */
  private last: { frame: LeanStatusFrame; message: AgentMessage } | null = null;

  /**
   * The frame as the fleet takes it: a lean status gets the resources this link sent last. Null for
   * a lean status on a link that sent no whole one: nothing of it is kept (the caller asks for a
   * status). An events frame whose lean status cannot be completed keeps its events, without it
   * (statusLost tells).
   */
  complete(frame: AgentFrame): AgentMessage | null {
    if (frame.t === 'events') return this.completeEvents(frame);
    if (frame.t !== 'status') return frame;
    if (!('resources' in frame)) {
      this.resources = frame.status.resources;
      this.last = null;
      return frame;
    }
    if (this.resources === null) return null;
    if (this.last?.frame === frame) return this.last.message;
    const message: AgentMessage = { t: 'status', status: { ...frame.status, resources: this.resources } };
    this.last = { frame, message };
    return message;
  }

  private completeEvents(frame: Extract<AgentFrame, { t: 'events' }>): AgentMessage {
    if (!('resources' in frame)) {
      if (frame.status) {
        this.resources = frame.status.resources;
        this.last = null;
      }
      return frame;
    }
    if (this.resources === null) return { t: 'events', events: frame.events };
    // An events frame is parsed afresh each time (frames.ts keeps none): its status is completed in
    // place, not copied key by key, once for every report of a rollout.
    return { t: 'events', events: frame.events, status: Object.assign(frame.status, { resources: this.resources }) };
  }
}

/** True when a lean status on `frame` could not be completed (`message`: what complete made of the frame): the link must be asked for a whole status. */
export function statusLost(frame: AgentFrame, message: AgentMessage | null): boolean {
  return message === null || (isLeanEvents(frame) && message.t === 'events' && message.status === undefined);
}

function isLeanEvents(frame: AgentFrame): frame is LeanEventsFrame {
  return frame.t === 'events' && 'resources' in frame;
}
