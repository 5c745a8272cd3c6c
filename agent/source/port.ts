// The config source port: where the host's branch lives (http(s), ssh, local path) and how
// one of its commits becomes a folder on disk. create-source.ts picks the transport.

import type * as nodeFs from 'node:fs';
import type { SourceSettings } from '../settings/model.js';

export interface RevisionInfo {
  /** 40 hex. */
  commit: string;
  author: string;
  email: string;
  /** ISO 8601, UTC. */
  date: string;
  message: string;
}

export interface SourceStats {
  roundTrips: number;
  bytesIn: number;
  bytesOut: number;
}

export interface ConfigSource {
  /**
   * One cheap round trip: the commit the host's branch points at now. Throws SourceError
   * with code BRANCH_NOT_FOUND | AUTH_FAILED | UNREACHABLE | SOURCE_FAILED (handling 'retry').
   */
  head(): Promise<string>;
  /**
   * Makes `commit` available locally (a depth-1 fetch only if it is not there yet) and
   * writes the tree of the configured `path` folder of that commit into `destDir`
   * (created; must not exist yet). Returns the commit's metadata.
   * Throws SourceError: COMMIT_NOT_FOUND (the branch moved on; retry), PATH_NOT_FOUND and
   * BAD_TREE (the commit is at fault), or the transport codes of head().
   */
  checkout(commit: string, destDir: string): Promise<RevisionInfo>;
  /** Wire bytes and HTTP round trips since creation, for benchmarks and the no-op-poll bar. */
  stats(): SourceStats;
}

export interface SourceDeps {
  fs: typeof nodeFs;
}

export interface SourceOptions {
  settings: SourceSettings;
  /** Private bare repository in the state dir (created when missing). Unused for local paths. */
  gitDir: string;
  /** Per-request (http) or per-command (ssh) inactivity timeout; default 30 s. */
  timeoutMs?: number;
  /**
   * Called between a checkout's fetch and its export: the checkout child collects the fetch's
   * garbage there, so that the export reuses that memory instead of adding to it.
   */
  afterFetch?: () => void;
}
