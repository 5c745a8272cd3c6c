// How the agent starts one of its child processes: this very program, by another entry (the node
// build) or with a hidden verb (the single binary, see sea-entry.ts).

import { fileURLToPath } from 'node:url';

export interface ChildCommand {
  file: string;
  args: string[];
}

/** `entry`: the child's module in the node build; `verb`: what the single binary is run with instead. */
export async function childCommand(entry: URL, verb: string): Promise<ChildCommand> {
  const sea = await import('node:sea').catch(() => null);
  if (sea?.isSea()) return { file: process.execPath, args: [verb] };
  return { file: process.execPath, args: [fileURLToPath(entry)] };
}
