// Picks the source adapter for the configured URL (http(s), git+ssh, local path). Separate from
// port.ts so that the port's types do not import the adapters that implement them.

import { createHttpSource } from './http-source.js';
import { lazySource } from './lazy-source.js';
import { resolveLocalGitDir } from './local-git-dir.js';
import { join } from 'node:path';
import type { SourceSettings } from '../settings/model.js';
import type { ConfigSource, SourceDeps, SourceOptions } from './port.js';

/** The agent's source options: its private git directory is `git` in the state dir. */
export function agentSourceOptions(settings: SourceSettings, stateDir: string): SourceOptions {
  return { settings, gitDir: join(stateDir, 'git') };
}

export function createConfigSource(deps: SourceDeps, options: SourceOptions): ConfigSource {
  switch (options.settings.kind) {
    case 'http':
      return createHttpSource(deps, options);
    // Both read with isomorphic-git from their first call on: loaded then, not at start.
    case 'ssh':
      return lazySource(async () => (await import('./ssh-source.js')).createSshSource(deps, options));
    case 'local':
      return lazySource(async () => (await import('./local-source.js')).createLocalSource(deps, options));
  }
}

/**
 * The git directory holding the commits a source checked out, e.g. for
 * verifyCommitSignature: the repository itself for a local path, else the private gitDir.
 */
export function sourceGitDir(deps: SourceDeps, options: SourceOptions): string {
  return options.settings.kind === 'local' ? resolveLocalGitDir(deps.fs, options.settings.url) : options.gitDir;
}
