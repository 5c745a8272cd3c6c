// Unit files on disk in the unit directory: hashing what is there, installing a unit's file and
// drop-ins atomically, and removing them. Only regular files count: a mask is a symlink.

import { lstat, mkdir, readdir, readFile, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { UnitSpec } from '../../desired/model.js';
import { unitFilesHash } from '../../desired/unit-hash.js';
import { unitNameProblem } from '../../desired/unit-name.js';
import { SystemdError } from '../../contracts/errors.js';
import { syncDir, writeFileAtomic } from '../files/atomic-write.js';

const UNIT_MODE = 0o644;

export class UnitFiles {
  constructor(private readonly unitDir: string) {}

  /** Hash of the unit file and its `*.conf` drop-ins in the unit dir, or null when there are none. */
  async hash(name: string): Promise<string | null> {
    const file = this.pathOf(name);
    const content = await readRegular(file);
    const dropIns: Record<string, string> = {};
    for (const conf of await this.dropInNames(name)) {
      const text = await readRegular(path.join(`${file}.d`, conf));
      if (text !== null) dropIns[conf] = text;
    }
    if (content === null && Object.keys(dropIns).length === 0) return null;
    return unitFilesHash(content, dropIns);
  }

  /** Hash of the unit's `*.conf` drop-ins alone, or null when it has none. */
  async dropInHash(name: string): Promise<string | null> {
    const dropIns: Record<string, string> = {};
    for (const conf of await this.dropInNames(name)) {
      const text = await readRegular(path.join(`${this.pathOf(name)}.d`, conf));
      if (text !== null) dropIns[conf] = text;
    }
    return Object.keys(dropIns).length === 0 ? null : unitFilesHash(null, dropIns);
  }

  async install(unit: UnitSpec): Promise<void> {
    const file = this.pathOf(unit.name);
    await mkdir(this.unitDir, { recursive: true, mode: 0o755 });
    if (unit.content !== null) await writeFileAtomic(file, unit.content, { mode: UNIT_MODE });
    const dir = `${file}.d`;
    const wanted = Object.keys(unit.dropIns);
    for (const conf of wanted) {
      if (!/^[A-Za-z0-9:_.@-]+\.conf$/.test(conf)) throw refused(`drop-in name ${conf}`);
      await writeFileAtomic(path.join(dir, conf), unit.dropIns[conf] ?? '', { mode: UNIT_MODE });
    }
    // The drop-ins of a declared unit are moor's: stale ones from an older commit go.
    for (const conf of await this.dropInNames(unit.name)) {
      if (!wanted.includes(conf)) await unlinkIfRegular(path.join(dir, conf));
    }
  }

  async remove(name: string): Promise<void> {
    const file = this.pathOf(name);
    await unlinkIfRegular(file);
    const dir = `${file}.d`;
    for (const conf of await this.dropInNames(name)) await unlinkIfRegular(path.join(dir, conf));
    await rmdir(dir).catch(() => undefined); // only when empty: other files there are not ours
    await syncDir(this.unitDir);
  }

  /** Removes the named `*.conf` drop-ins of a unit, and its `.d` folder once empty. */
  async removeDropIns(name: string, files: readonly string[]): Promise<void> {
    const dir = `${this.pathOf(name)}.d`;
    for (const conf of files) {
      // Names come from what moor recorded; still, never a path out of the drop-in folder.
      if (!/^[A-Za-z0-9:_.@-]+\.conf$/.test(conf)) throw refused(`${conf} is not a drop-in file name`);
      await unlinkIfRegular(path.join(dir, conf));
    }
    await rmdir(dir).catch(() => undefined);
    await syncDir(this.unitDir);
  }

  pathOf(name: string): string {
    const problem = unitNameProblem(name);
    if (problem) throw refused(problem);
    return path.join(this.unitDir, name);
  }

  private async dropInNames(name: string): Promise<string[]> {
    const entries = await readdir(`${this.pathOf(name)}.d`).catch(() => []);
    return entries.filter((e) => e.endsWith('.conf')).sort();
  }
}

function refused(what: string): SystemdError {
  return new SystemdError('UNIT_NAME_REFUSED', `refused: ${what}`, { handling: 'commit' });
}

async function readRegular(file: string): Promise<string | null> {
  const info = await lstat(file).catch(() => null);
  if (!info?.isFile()) return null;
  return readFile(file, 'utf8');
}

async function unlinkIfRegular(file: string): Promise<void> {
  const info = await lstat(file).catch(() => null);
  if (info?.isFile()) await unlink(file);
}
