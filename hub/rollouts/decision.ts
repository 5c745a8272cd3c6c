// What a pass of the rollout state machine decides: the next rollout and the effects the runner
// carries out; and the operator's commands. Shared by planner.ts and commands.ts.
import type { Rollout } from './model.js';

export type Effect =
  | { kind: 'publish'; hosts: string[] }
  | { kind: 'revert'; hosts: string[] }
  | { kind: 'alert'; event: 'halted' | 'completed' | 'reverted'; text: string };

export interface Decision {
  rollout: Rollout;
  effects: Effect[];
}

export type Command = { kind: 'pause' } | { kind: 'resume' } | { kind: 'abort'; revert: boolean };
