// The files adapter: writes managed files atomically with mode and owner, removes them, and
// reports what is on disk. Refuses any path outside policy.allowedFileRoots, even if a plan asks.

import { createHash } from 'node:crypto';
import { lstat, readFile, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { FileSpec } from '../../desired/model.js';
import { isUnderAny, normaliseAbsolute } from '../../config-text/safe-path.js';
import { FileError } from '../../contracts/errors.js';
import type { ObservedFile } from '../../contracts/observed.js';
import { syncDir, writeFileAtomic } from './atomic-write.js';
import type { FilesPort } from './port.js';

export interface HostFilesOptions {
  allowedFileRoots: string[];
  /** Where user and group names are looked up; /etc by default (tests point elsewhere). */
  etcDir?: string;
}

export class HostFiles implements FilesPort {
  constructor(private readonly options: HostFilesOptions) {}

  async files(paths: string[]): Promise<ObservedFile[]> {
    return Promise.all(paths.map((p) => this.look(p)));
  }

  async write(file: FileSpec): Promise<void> {
    const target = await this.allowed(file.path);
    try {
      const uid = file.owner === null ? undefined : await this.resolveId(file.owner, 'passwd');
      const gid = file.group === null ? undefined : await this.resolveId(file.group, 'group');
      await writeFileAtomic(target, Buffer.from(file.contentBase64, 'base64'), { mode: file.mode, uid, gid });
    } catch (err) {
      if (err instanceof FileError) throw err;
      throw new FileError('FILE_WRITE_FAILED', `cannot write ${target}: ${message(err)}`, { handling: 'retry', data: { path: target }, cause: err });
    }
  }

  async remove(p: string): Promise<void> {
    const target = await this.allowed(p);
    try {
      await unlink(target);
      await syncDir(path.dirname(target));
    } catch (err) {
      if (errno(err) === 'ENOENT') return;
      throw new FileError('FILE_REMOVE_FAILED', `cannot remove ${target}: ${message(err)}`, { handling: 'retry', data: { path: target }, cause: err });
    }
  }

  private async look(p: string): Promise<ObservedFile> {
    try {
      const info = await lstat(p);
      if (!info.isFile()) return { path: p, hash: null, mode: null };
      const data = await readFile(p);
      return {
        path: p,
        hash: createHash('sha256').update(data).digest('hex'),
        mode: info.mode & 0o7777,
        owner: await this.nameOf(info.uid, 'passwd'),
        group: await this.nameOf(info.gid, 'group'),
        uid: info.uid,
        gid: info.gid,
      };
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return { path: p, hash: null, mode: null };
      throw new FileError('FILE_READ_FAILED', `cannot read ${p}: ${message(err)}`, { handling: 'retry', data: { path: p }, cause: err });
    }
  }

  /**
   * The path, if it is under an allowed root once symlinks in its existing folders are resolved
   * (a symlinked folder must not carry a write outside the roots).
   */
  private async allowed(p: string): Promise<string> {
    const normal = normaliseAbsolute(p);
    const roots = this.options.allowedFileRoots;
    const refuse = (why: string): FileError =>
      new FileError('FILE_PATH_REFUSED', `refused to touch ${p}: ${why} (policy.allowedFileRoots: ${roots.join(', ') || 'none'})`, {
        handling: 'commit',
        data: { path: p },
      });
    if ('error' in normal) throw refuse(normal.error);
    if (!isUnderAny(normal.path, roots)) throw refuse('outside the allowed roots');
    let existing = path.dirname(normal.path);
    for (;;) {
      const real = await realpath(existing).catch(() => null);
      if (real !== null) {
        // Above the root (the root does not exist yet): mkdir creates real folders from here.
        if (!isUnderAny(existing, roots)) break;
        const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
        if (!isUnderAny(real, [...roots, ...realRoots])) throw refuse(`${existing} resolves to ${real}`);
        break;
      }
      const parent = path.dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
    const leaf = await lstat(normal.path).catch(() => null);
    if (leaf?.isSymbolicLink()) throw refuse('it is a symlink');
    return normal.path;
  }

  /** The name of a uid or gid in the host's passwd or group file, else the number itself. */
  private async nameOf(id: number, db: 'passwd' | 'group'): Promise<string> {
    const text = await readFile(path.join(this.options.etcDir ?? '/etc', db), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [entry, , num] = line.split(':');
      if (entry && num === String(id)) return entry;
    }
    return String(id);
  }

  private async resolveId(name: string, db: 'passwd' | 'group'): Promise<number> {
    if (/^\d+$/.test(name)) return Number(name);
    const text = await readFile(path.join(this.options.etcDir ?? '/etc', db), 'utf8');
    for (const line of text.split('\n')) {
      const [entry, , id] = line.split(':');
      if (entry === name && id !== undefined && /^\d+$/.test(id)) return Number(id);
    }
    throw new FileError('FILE_OWNER_UNKNOWN', `no ${db === 'passwd' ? 'user' : 'group'} named ${name} on this host`, {
      handling: 'commit',
      data: { [db === 'passwd' ? 'owner' : 'group']: name },
    });
  }
}

function errno(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
