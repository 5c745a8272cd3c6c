// Keeps the exported config tree of each commit the agent needs (applied, last good, head) under
// the state directory, its normalised desired state beside it unless it holds clear text (loaded
// once per commit, read back after a restart), and the desired state of the most recent ones in memory.

import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredState } from '../desired/model.js';
import { withAgentSecrets } from '../desired/secrets.js';
import type { Logger } from '../logger.js';
import type { ConfigSource, RevisionInfo } from '../source/port.js';
import { holdsSecrets, readStoredDesired, writeStoredDesired } from './stored-desired.js';

export interface SnapshotDeps {
  source: ConfigSource;
  loadDesired: (dir: string) => Promise<DesiredState>;
  /**
   * Whether a state read back from its stored file serves as it is; false (the compose secrets
   * it mounts are gone from the tmpfs, as after a reboot): the commit is loaded again, which
   * places them. Absent: always.
   */
  useStored?: (state: DesiredState) => Promise<boolean>;
  /** Told when the stored state cannot be written (the next start then loads the commit again). */
  logger?: Pick<Logger, 'warn'>;
}

const STORED_SUFFIX = '.desired.json';

export class Snapshots {
  private readonly cache = new Map<string, DesiredState>();
  private key: string | null = null;

  constructor(
    private readonly deps: SnapshotDeps,
    /**
     * `desiredKey`: what a stored state must have been written under to be read (desired/state-key.ts);
     * `agentSecrets`: agent.yaml's secret values, added to each state served (never stored).
     */
    private readonly options: { dir: string; desiredKey: () => string; agentSecrets?: readonly string[] },
  ) {}

  pathOf(commit: string): string {
    return join(this.options.dir, commit);
  }

  /** Exports the commit's tree unless it is already here; returns its metadata when fetched. */
  async ensure(commit: string): Promise<{ dir: string; fetched: RevisionInfo | null }> {
    const dir = this.pathOf(commit);
    if (await exists(dir)) return { dir, fetched: null };
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const tmp = `${dir}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    const info = await this.deps.source.checkout(commit, tmp);
    // A crash before this rename leaves only a .tmp folder, removed on the next try.
    await rename(tmp, dir);
    return { dir, fetched: info };
  }

  /** The desired state of a commit: from memory, from its stored file, or loaded (once) from its snapshot. */
  async desired(commit: string): Promise<DesiredState> {
    const cached = this.cache.get(commit);
    if (cached) return cached;
    const { dir } = await this.ensure(commit);
    const file = `${dir}${STORED_SUFFIX}`;
    // Asked on first use: a source build's key reads its files, which need not delay the first poll.
    this.key ??= this.options.desiredKey();
    let state = await readStoredDesired(file, this.key);
    if (state && this.deps.useStored && !(await this.deps.useStored(state))) state = null;
    if (!state) {
      state = await this.deps.loadDesired(dir);
      // Best effort: without the file the next start loads the commit again, as it always did.
      if (!holdsSecrets(state)) {
        await writeStoredDesired(file, this.key, state).catch((err: unknown) => this.deps.logger?.warn({ err, commit }, 'cannot store the desired state; it is loaded again after a restart'));
      }
    }
    const served = withAgentSecrets(state, this.options.agentSecrets ?? []);
    this.cache.set(commit, served);
    // Keep memory flat over months: only a few parsed states are ever needed at once.
    while (this.cache.size > 3) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return served;
  }

  /** Removes snapshots of commits not in `keep`. */
  async prune(keep: readonly (string | null)[]): Promise<void> {
    const wanted = new Set(keep.filter((k): k is string => k !== null));
    let entries: string[];
    try {
      entries = await readdir(this.options.dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const commit = name.replace(/\.tmp$/, '').replace(STORED_SUFFIX, '');
      if (wanted.has(commit) && !name.endsWith('.tmp')) continue;
      await rm(join(this.options.dir, name), { recursive: true, force: true });
      this.cache.delete(commit);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
