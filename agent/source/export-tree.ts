// Writes the tree of one folder of a commit to disk from a git object store: no index, no
// working tree; keeps the executable bit and writes symlinks as symlinks.

import type * as nodeFs from 'node:fs';
import path from 'node:path';
import * as git from 'isomorphic-git';
import { SourceError } from '../contracts/errors.js';

export interface ExportRequest {
  gitdir: string;
  commit: string;
  /** Folder inside the commit, '' for the root. */
  path: string;
  /** Created by the export; must not exist yet. */
  destDir: string;
}

function isSafeName(name: string): boolean {
  return (
    name.length > 0 &&
    name !== '.' &&
    name !== '..' &&
    name.toLowerCase() !== '.git' &&
    !name.includes('/') &&
    !name.includes('\0')
  );
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function badTree(commit: string, where: string, cause?: unknown): SourceError {
  return new SourceError('BAD_TREE', `commit ${commit} holds an unsafe path "${where}"`, {
    handling: 'commit',
    cause,
    data: { commit, path: where },
  });
}

/** Exports `req.path` of `req.commit`; returns the number of files and links written. */
export async function exportTree(deps: { fs: typeof nodeFs }, req: ExportRequest): Promise<number> {
  const fsp = deps.fs.promises;
  const cache = {};
  let rootTree: string;
  try {
    const found = await git.readTree({ fs: deps.fs, gitdir: req.gitdir, oid: req.commit, cache, filepath: req.path || undefined });
    rootTree = found.oid;
  } catch (err) {
    const code = field(err, 'code');
    if (code === 'UnsafeFilepathError') throw badTree(req.commit, String(field(field(err, 'data'), 'filepath')), err);
    if (req.path && (code === 'NotFoundError' || code === 'ObjectTypeError')) {
      throw new SourceError('PATH_NOT_FOUND', `folder "${req.path}" not found in commit ${req.commit}`, {
        handling: 'commit',
        cause: err,
        data: { commit: req.commit, path: req.path },
      });
    }
    throw new SourceError('SOURCE_FAILED', `reading commit ${req.commit}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      data: { commit: req.commit },
    });
  }

  await fsp.mkdir(path.dirname(req.destDir), { recursive: true });
  await fsp.mkdir(req.destDir);
  let written = 0;

  async function writeTree(treeOid: string, dir: string, rel: string): Promise<void> {
    let tree: git.TreeEntry[];
    try {
      ({ tree } = await git.readTree({ fs: deps.fs, gitdir: req.gitdir, oid: treeOid, cache }));
    } catch (err) {
      // isomorphic-git refuses `..`, `.git` and the like itself; that is the commit's fault.
      if (field(err, 'code') === 'UnsafeFilepathError') throw badTree(req.commit, rel || '.', err);
      throw err;
    }
    for (const entry of tree) {
      const where = rel ? `${rel}/${entry.path}` : entry.path;
      if (!isSafeName(entry.path)) throw badTree(req.commit, where);
      const target = path.join(dir, entry.path);
      if (entry.mode === '040000') {
        await fsp.mkdir(target);
        await writeTree(entry.oid, target, where);
      } else if (entry.mode === '160000') {
        // A submodule: git leaves an empty folder; so do we.
        await fsp.mkdir(target);
      } else {
        const { blob } = await git.readBlob({ fs: deps.fs, gitdir: req.gitdir, oid: entry.oid, cache });
        if (entry.mode === '120000') {
          await fsp.symlink(Buffer.from(blob).toString('utf8'), target);
        } else {
          const mode = entry.mode === '100755' ? 0o755 : 0o644;
          await fsp.writeFile(target, blob, { mode, flag: 'wx' });
          await fsp.chmod(target, mode);
        }
        written += 1;
      }
    }
  }

  try {
    await writeTree(rootTree, req.destDir, '');
  } catch (err) {
    // Never leave half a tree behind for someone to mistake for a checkout.
    await fsp.rm(req.destDir, { recursive: true, force: true });
    throw err;
  }
  return written;
}
