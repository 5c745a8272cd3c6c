// How the agent starts one of its child processes: this very program, by another entry (tsc's
// output) or with a hidden verb (the bundles: build/moor.cjs and the single binary, see
// bundle-entry.ts).

import { fileURLToPath } from 'node:url';
import { BUNDLED, bundleFile } from './bundled.js';

export interface ChildCommand {
  file: string;
  args: string[];
}

/** `entry`: the child's module in tsc's output; `verb`: what a bundle is run with instead. */
export async function childCommand(entry: URL, verb: string): Promise<ChildCommand> {
  if (!BUNDLED) return { file: process.execPath, args: [fileURLToPath(entry)] };
  const sea = await import('node:sea').catch(() => null);
  if (sea?.isSea()) return { file: process.execPath, args: [verb] };
  return { file: process.execPath, args: [bundleFile(), verb] };
}
