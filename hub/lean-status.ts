// The hub's end of the 'lean-status' feature, one per agent link (socket), never per host: a host
// may link to several hub processes sharing the database (cluster-node.ts), and only the process
// that received a link's whole status may complete that link's lean ones.

import type { AgentFrame, AgentMessage, LeanStatusFrame } from '../agent/contracts/hub-protocol.js';
import type { StatusSnapshot } from '../agent/contracts/status-model.js';

export class LinkStatus {
  /** The resources of the last whole status received on this link (null: none yet). */
  private resources: StatusSnapshot['resources'] | null = null;
  /** The last lean frame completed and what it became: the same frame again is the same message. */
  private last: { frame: LeanStatusFrame; message: AgentMessage } | null = null;

  /**
   * The frame as the fleet takes it: a lean status gets the resources this link sent last. Null for
   * a lean status on a link that sent no whole one: nothing of it is kept (the caller asks for a status).
   */
  complete(frame: AgentFrame): AgentMessage | null {
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
}
