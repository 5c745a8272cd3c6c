// V8 settings of the resident daemon, applied before any other module is evaluated (the entry
// imports this first): `moor agent` runs without V8's optimizing compiler. Its steady work is a
// poll, a container list and a small plan a minute; TurboFan's code and data cost 5.5 MB of RSS
// there and save no measurable CPU (docs/benchmarks.md, "The resident's V8"). A flag set here
// applies to this process only: the CLI verbs and the agent's children keep the full compiler.

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

if (verbOf(process.argv.slice(2)) === 'agent' && process.env.MOOR_RESIDENT_OPT !== '1') setFlagsFromString('--no-opt');
