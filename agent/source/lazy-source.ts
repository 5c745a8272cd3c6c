// A config source whose transport module loads on the first call (the ssh and local transports
// read with isomorphic-git, which the agent should not load before it needs it).

import type { ConfigSource, SourceStats } from './port.js';

export function lazySource(load: () => Promise<ConfigSource>): ConfigSource {
  let source: Promise<ConfigSource> | null = null;
  let loaded: ConfigSource | null = null;
  const get = (): Promise<ConfigSource> =>
    (source ??= load().then(
      (s) => (loaded = s),
      (err: unknown) => {
        source = null;
        throw err;
      },
    ));
  const none: SourceStats = { roundTrips: 0, bytesIn: 0, bytesOut: 0 };
  return {
    head: async () => (await get()).head(),
    checkout: async (commit, destDir) => (await get()).checkout(commit, destDir),
    stats: () => loaded?.stats() ?? none,
  };
}
