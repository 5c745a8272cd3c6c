// V8 settings of the resident daemon, applied before any other module is evaluated (the entry
// imports this first): `moor agent` runs without V8's optimizing compiler and with V8's
// memory-saving heap sizing. Its steady work is a poll, a container list and a small plan a minute:
// - `--no-opt`: TurboFan's code and data cost 5.5 MB of RSS there and save no measurable CPU;
// - `--optimize-for-size`: a smaller heap between collections: 74.3-74.4 MB -> 65.3-65.6 MB of
//   RSS in the steady state, 22.0-22.2 -> 20.0 MB anonymous after a forced GC
//   (docs/benchmarks.md, "One bundle for the node build ...").
// `--lite-mode` saved 1.2 MB more but broke the age decryption of compose secrets in the daemon
// (test/e2e/secrets.test.ts): not set.
// A flag set here applies to this process only: the CLI verbs and the agent's children keep
// V8's defaults.

import { setFlagsFromString } from 'node:v8';

/** The verb on a command line: the first word that is not a global option (`--config FILE`, `--json`). */
export function verbOf(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--config') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return null;
}

/** The daemon's V8 flags; MOOR_RESIDENT_OPT=1 keeps V8's defaults (for comparisons). */
export const RESIDENT_V8_FLAGS = ['--no-opt', '--optimize-for-size'] as const;

if (verbOf(process.argv.slice(2)) === 'agent' && process.env.MOOR_RESIDENT_OPT !== '1') {
  for (const flag of RESIDENT_V8_FLAGS) setFlagsFromString(flag);
}
