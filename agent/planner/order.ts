// The planner's order of names: by UTF-16 code units, as Array.prototype.sort orders strings.
// Deterministic like localeCompare and free of ICU: localeCompare opened ICU's collation data,
// whose pages (2-5 MB of the node binary's read-only data) then stayed in the daemon's RSS for
// a plan a minute (docs/benchmarks.md, footprint notes). The order only sets the order of
// independent steps and of explanations; dependencies are explicit edges of the plan.

export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
