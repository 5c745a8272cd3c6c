// The compose project directories on disk (`<projectsDir>/<project>`): a look at what is there,
// atomic placement of the commit's files, data directories, and the record of what moor placed
// (`<dir>.moor-placed.json`, beside the directory so that no container sees it).

import { lstat, mkdir, readFile, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../../desired/hash.js';
import type { ProjectDirSpec, ProjectFileSpec } from '../../desired/model.js';
import { MoorError } from '../../contracts/errors.js';
import type { ObservedProjectDir } from '../../contracts/observed.js';
import { isErrno } from '../../config-text/yaml-file.js';
import { writeFileAtomic } from './atomic-write.js';

export interface ProjectDirsPort {
  observe(specs: readonly ProjectDirSpec[]): Promise<ObservedProjectDir[]>;
  place(dir: string, file: ProjectFileSpec): Promise<void>;
  remove(dir: string, rel: string): Promise<void>;
  createDataDir(dir: string, rel: string): Promise<void>;
  record(dir: string, files: Record<string, string>): Promise<void>;
}

/** A project directory that leads out of itself (a symlink planted in it) or cannot be written. */
export class ProjectDirError extends MoorError {}

const recordOf = (dir: string): string => `${dir}.moor-placed.json`;

export function createProjectDirs(): ProjectDirsPort {
  return {
    async observe(specs) {
      return Promise.all(specs.map(observeOne));
    },

    async place(dir, file) {
      const target = await inside(dir, file.rel, true);
      await attempt(dir, file.rel, () => writeFileAtomic(target, Buffer.from(file.contentBase64, 'base64'), { mode: file.mode }));
    },

    async remove(dir, rel) {
      const target = await inside(dir, rel, false);
      await attempt(dir, rel, () => unlink(target).catch((err: unknown) => (isErrno(err, 'ENOENT') ? undefined : Promise.reject(err))));
    },

    async createDataDir(dir, rel) {
      const target = await inside(dir, rel, true);
      await attempt(dir, rel, async () => {
        await mkdir(target, { recursive: true, mode: 0o755 });
      });
      await inside(dir, rel, false, true);
    },

    async record(dir, files) {
      await attempt(dir, '', async () => {
        await mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
        await writeFileAtomic(recordOf(dir), `${JSON.stringify(files, null, 1)}\n`, { mode: 0o600 });
      });
    },
  };
}

async function observeOne(spec: ProjectDirSpec): Promise<ObservedProjectDir> {
  const placed = await readRecord(spec.dir);
  const rels = [...new Set([...spec.files.map((f) => f.rel), ...Object.keys(placed)])].sort();
  const onDisk: Record<string, string | null> = {};
  for (const rel of rels) onDisk[rel] = await hashOf(path.join(spec.dir, rel));
  const dataDirs: string[] = [];
  for (const rel of spec.dataDirs) {
    const info = await lstat(path.join(spec.dir, rel)).catch(() => null);
    if (info?.isDirectory()) dataDirs.push(rel);
  }
  return { dir: spec.dir, placed, onDisk, dataDirs };
}

async function readRecord(dir: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(recordOf(dir), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return {};
    throw new ProjectDirError('PROJECT_DIR_UNREADABLE', `cannot read ${recordOf(dir)}`, { handling: 'retry', cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {}; // a record cut short is rebuilt by the next apply
  }
  const out: Record<string, string> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** sha256 of a regular file (not through a symlink); null when absent or anything else. */
async function hashOf(file: string): Promise<string | null> {
  const info = await lstat(file).catch(() => null);
  if (!info?.isFile()) return null;
  return sha256Hex(await readFile(file));
}

/**
 * The absolute path of `rel` in `dir`, after checking that its parent (or itself) really is
 * inside `dir`: a container that binds the directory could plant a symlink leading elsewhere.
 */
async function inside(dir: string, rel: string, createParent: boolean, self = false): Promise<string> {
  const normal = path.posix.normalize(rel);
  if (path.posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    throw new ProjectDirError('PROJECT_PATH_OUTSIDE', `${rel} is not a path inside ${dir}`, { handling: 'commit', data: { dir, rel } });
  }
  const target = path.join(dir, normal);
  const parent = self ? target : path.dirname(target);
  // Checked before mkdir -p too, so that no folder is made through a symlink.
  if (createParent) {
    await mkdir(dir, { recursive: true, mode: 0o755 }).catch(() => undefined);
    await checkInside(dir, rel, await existingAncestor(parent));
    await attempt(dir, rel, async () => void (await mkdir(parent, { recursive: true, mode: 0o755 })));
  }
  await checkInside(dir, rel, parent);
  return target;
}

async function existingAncestor(p: string): Promise<string> {
  let at = p;
  while ((await lstat(at).catch(() => null)) === null && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

async function checkInside(dir: string, rel: string, parent: string): Promise<void> {
  const [realDir, realParent] = await Promise.all([realpath(dir).catch(() => dir), realpath(parent).catch(() => parent)]);
  if (realParent !== realDir && !realParent.startsWith(realDir + path.sep)) {
    throw new ProjectDirError('PROJECT_PATH_OUTSIDE', `${path.join(dir, rel)} leads out of the project directory (a symlink to ${realParent}); remove it`, {
      handling: 'commit',
      data: { dir, rel, realPath: realParent },
    });
  }
}

async function attempt(dir: string, rel: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof MoorError) throw err;
    throw new ProjectDirError('PROJECT_DIR_WRITE_FAILED', `cannot write ${rel === '' ? dir : path.join(dir, rel)}: ${err instanceof Error ? err.message : String(err)}`, {
      handling: 'retry',
      data: { dir, rel },
      cause: err,
    });
  }
}
