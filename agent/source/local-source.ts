// The local-path transport (a bare or working repository fed by USB, rsync or a mount):
// reads refs and objects in place with isomorphic-git and never writes into it.

import type * as nodeFs from 'node:fs';
import path from 'node:path';
import * as git from 'isomorphic-git';
import { SourceError } from '../contracts/errors.js';
import { exportTree } from './export-tree.js';
import type { ConfigSource, RevisionInfo, SourceDeps, SourceOptions } from './port.js';
import { hasCommit, readRevision } from './revision.js';
import { resolveLocalGitDir } from './local-git-dir.js';

export { resolveLocalGitDir } from './local-git-dir.js';

export function createLocalSource(deps: SourceDeps, options: SourceOptions): ConfigSource {
  const { settings } = options;
  const fullRef = `refs/heads/${settings.branch}`;

  function gitdir(): string {
    const dir = resolveLocalGitDir(deps.fs, settings.url);
    if (!deps.fs.existsSync(path.join(dir, 'HEAD')) || !deps.fs.existsSync(path.join(dir, 'objects'))) {
      throw new SourceError('UNREACHABLE', `no git repository at ${settings.url}`, { data: { path: dir } });
    }
    return dir;
  }

  async function head(): Promise<string> {
    const dir = gitdir();
    try {
      return await git.resolveRef({ fs: deps.fs, gitdir: dir, ref: fullRef });
    } catch (err) {
      const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
      if (code === 'NotFoundError') {
        throw new SourceError('BRANCH_NOT_FOUND', `branch ${settings.branch} not found in ${settings.url}`, {
          cause: err,
          data: { branch: settings.branch },
        });
      }
      throw new SourceError('SOURCE_FAILED', `reading ${fullRef} in ${settings.url}`, { cause: err });
    }
  }

  async function checkout(commit: string, destDir: string): Promise<RevisionInfo> {
    const dir = gitdir();
    if (!(await hasCommit(deps, dir, commit))) {
      throw new SourceError('COMMIT_NOT_FOUND', `commit ${commit} not found in ${settings.url}`, { data: { commit } });
    }
    const info = await readRevision(deps, dir, commit);
    await exportTree(deps, { gitdir: dir, commit, path: settings.path, destDir });
    return info;
  }

  return { head, checkout, stats: () => ({ roundTrips: 0, bytesIn: 0, bytesOut: 0 }) };
}
