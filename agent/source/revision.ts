// Reads a commit's author, date and message from a git object store.

import type * as nodeFs from 'node:fs';
import * as git from 'isomorphic-git';
import { SourceError } from '../contracts/errors.js';
import type { RevisionInfo } from './port.js';

export async function readRevision(deps: { fs: typeof nodeFs }, gitdir: string, commit: string): Promise<RevisionInfo> {
  try {
    const { oid, commit: c } = await git.readCommit({ fs: deps.fs, gitdir, oid: commit });
    return {
      commit: oid,
      author: c.author.name,
      email: c.author.email,
      date: new Date(c.author.timestamp * 1000).toISOString(),
      message: c.message.replace(/\n+$/, ''),
    };
  } catch (err) {
    throw new SourceError('COMMIT_NOT_FOUND', `commit ${commit} is not available locally`, {
      cause: err,
      data: { commit },
    });
  }
}

/** Whether the object store holds `commit` as a commit object. */
export async function hasCommit(deps: { fs: typeof nodeFs }, gitdir: string, commit: string): Promise<boolean> {
  try {
    await git.readCommit({ fs: deps.fs, gitdir, oid: commit });
    return true;
  } catch {
    return false;
  }
}
