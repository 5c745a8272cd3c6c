// Talking to the agent that runs on this host, or acting in-process when none does.

import { callAgent } from '../control/client.js';
import { controlSocketPath } from '../daemon.js';
import { StateLock } from '../state-lock.js';
import type { AgentSettings } from '../settings/model.js';
import type { ControlRequest } from '../control/protocol.js';

/** True when a live agent holds the state directory. */
export function agentRunning(settings: AgentSettings): boolean {
  return StateLock.owner(settings.stateDir) !== null;
}

export function askAgent(settings: AgentSettings, request: ControlRequest): Promise<unknown> {
  return callAgent(controlSocketPath(settings.stateDir), request);
}
