// The agent running on this host, as the CLI verbs reach it: is it running (it holds the state
// lock), and its control socket. Light on purpose: a verb that asks the agent loads only this and
// the client, not the agent's parts.

import { join } from 'node:path';
import type { ControlReplies, ControlRequest } from '../contracts/control-protocol.js';
import type { AgentSettings } from '../settings/model.js';
import { StateLock } from '../state-lock.js';

export function controlSocketPath(stateDir: string): string {
  return join(stateDir, 'moor.sock');
}

/** The agent running on this host, reached through its control socket. */
export interface LocalAgent {
  /** True when a live agent holds the state directory. */
  running(): boolean;
  ask<R extends ControlRequest>(request: R): Promise<ControlReplies[R['verb']]>;
}

export function localAgent(settings: AgentSettings): LocalAgent {
  return {
    running: () => StateLock.owner(settings.stateDir) !== null,
    // The client (and the replies' schemas) load only for a verb that asks a running agent.
    ask: async (request) => (await import('./client.js')).callAgent(controlSocketPath(settings.stateDir), request),
  };
}
