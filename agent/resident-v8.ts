// V8 settings of the two resident daemons, applied before any other module is evaluated (the
// entry imports this first).
// `moor agent` runs without V8's optimizing compiler and with V8's memory-saving heap sizing. Its
// steady work is a poll, a container list and a small plan a minute:
// - `--no-opt`: TurboFan's code and data cost 5.5 MB of RSS there and save no measurable CPU;
// - `--optimize-for-size`: a smaller heap between collections: 74.3-74.4 MB -> 65.3-65.6 MB of
//   RSS in the steady state, 22.0-22.2 -> 20.0 MB anonymous after a forced GC
//   (docs/benchmarks.md, "One bundle for the node build ...").
// `--lite-mode` saved 1.2 MB more but broke the age decryption of compose secrets in the daemon
// (test/e2e/secrets.test.ts): not set.
// `moor hub` lets its old generation grow to twice what the last full collection left before the
// next one (`--heap-growing-percent=100`), where V8 allows only about a tenth more in a process
// whose heap grows slowly. A 5,000-host hub holds some 70 MB that every full collection marks again
// (its hosts' statuses, the links); a rollout promotes 20-30 MB of short-lived state, so the hub
// ran 2-3 full collections per rollout, their marking on V8's worker threads: a fifth of its CPU.
// With the flag: none in most rollouts, for some 20-50 MB more RSS at a rollout's peak
// (docs/benchmarks.md, fifteenth round). It also compiles each function to Sparkplug's baseline
// code at its first call (`--always-sparkplug`), not after V8's interpreter has run it a while: the
// first rollout after a start (or after a quiet spell) runs code no heartbeat runs, the event path
// and the rollout's own, and was often a run's costliest, by up to 0.8 CPU s (sixteenth round).
// A flag set here applies to this process only: the other CLI verbs and the agent's children keep
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

/** Each daemon's V8 flags, by verb; MOOR_RESIDENT_OPT=1 keeps V8's defaults (for comparisons). */
export const RESIDENT_V8_FLAGS: ReadonlyMap<string, readonly string[]> = new Map([
  ['agent', ['--no-opt', '--optimize-for-size']],
  // The hub's other verbs (`moor hub token add`, ...) take it too: it changes nothing in a short run.
  ['hub', ['--heap-growing-percent=100', '--always-sparkplug']],
]);

/** Sets the V8 flags of the daemon run by `verb` (none for any other verb), unless MOOR_RESIDENT_OPT=1. */
export function applyResidentV8(verb: string | null): void {
  if (verb === null || process.env.MOOR_RESIDENT_OPT === '1') return;
  for (const flag of RESIDENT_V8_FLAGS.get(verb) ?? []) setFlagsFromString(flag);
}

applyResidentV8(verbOf(process.argv.slice(2)));
