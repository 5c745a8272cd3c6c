// The hidden arguments that make the single binary run one of the agent's child processes
// instead of the CLI (see agent/bundle-entry.ts). Free of imports: the entry reads it first.

/** source/checkout-main.ts: fetch and export one commit for the agent. */
export const CHECKOUT_VERB = '__checkout';

/** executors/docker/engine-child-main.ts: the container engine's writes (dockerode) for one sync. */
export const ENGINE_VERB = '__engine';

/** commit-load/load-main.ts: parse, validate and normalise one commit's config tree for the agent. */
export const LOAD_VERB = '__load';
