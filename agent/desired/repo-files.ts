// Reading files of the config dir without leaving it: every read resolves symlinks and
// refuses anything whose real path is outside the dir, and sizes are bounded.
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, parseYaml, type YamlResult } from '../config-text/yaml-file.js';

export const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

/** Per-commit bounds: checked from file sizes before anything big is read into memory. */
export const LIMITS = {
  /** Every file of the config dir together. */
  configBytes: 64 * 1024 * 1024,
  /** Entries found walking the config dir (files, folders, links). */
  configEntries: 20_000,
  /** `files:` sources together, a source counted once per entry that names it. */
  filesBytes: 32 * 1024 * 1024,
  /** Entries under `files:`. */
  fileEntries: 512,
} as const;

export type DirUsage = { ok: true; bytes: number; entries: number } | { ok: false; message: string };

export type RepoRead = { ok: true; data: Buffer } | { ok: false; missing: boolean; message: string };

/**
 * A view of the config dir: `rel` paths are relative, already normalised. Typed structurally
 * (no private members): `moor fleet` validates rendered trees through an in-memory view.
 */
export class RepoDir {
  private constructor(
    readonly dir: string,
    /** The dir's real path (symlinks resolved). */
    readonly real: string,
  ) {}

  static async open(dir: string): Promise<RepoDir> {
    const abs = path.resolve(dir);
    return new RepoDir(abs, await realpath(abs));
  }

  /** The real path of `rel` if it exists and stays inside the dir. */
  async resolve(rel: string): Promise<{ ok: true; real: string } | { ok: false; missing: boolean; message: string }> {
    let real: string;
    try {
      real = await realpath(path.join(this.dir, rel));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) {
        // A dangling symlink is reported as such, not as a missing file.
        const link = await lstat(path.join(this.dir, rel)).catch(() => null);
        return link?.isSymbolicLink()
          ? { ok: false, missing: false, message: `${rel} is a symlink to a missing target` }
          : { ok: false, missing: true, message: `${rel} does not exist` };
      }
      return { ok: false, missing: false, message: `cannot read ${rel}: ${String(err)}` };
    }
    if (real !== this.real && !real.startsWith(this.real + path.sep)) {
      return { ok: false, missing: false, message: `${rel} is a symlink pointing outside the config dir` };
    }
    return { ok: true, real };
  }

  async read(rel: string, maxBytes = MAX_SOURCE_BYTES): Promise<RepoRead> {
    const where = await this.resolve(rel);
    if (!where.ok) return where;
    try {
      const info = await lstat(where.real);
      if (!info.isFile()) return { ok: false, missing: false, message: `${rel} is not a regular file` };
      if (info.size > maxBytes) return { ok: false, missing: false, message: `${rel} is larger than ${maxBytes} bytes` };
      return { ok: true, data: await readFile(where.real) };
    } catch (err) {
      return { ok: false, missing: false, message: `cannot read ${rel}: ${String(err)}` };
    }
  }

  /** Size of a regular file inside the dir, without reading it. */
  async size(rel: string, maxBytes = MAX_SOURCE_BYTES): Promise<{ ok: true; bytes: number } | { ok: false; missing: boolean; message: string }> {
    const where = await this.resolve(rel);
    if (!where.ok) return where;
    const info = await lstat(where.real).catch(() => null);
    if (!info?.isFile()) return { ok: false, missing: false, message: `${rel} is not a regular file` };
    if (info.size > maxBytes) return { ok: false, missing: false, message: `${rel} is larger than ${maxBytes} bytes` };
    return { ok: true, bytes: info.size };
  }

  /** Bytes and entries of the whole dir (symlinks not followed), walked without recursion; stops past the limits. */
  async usage(limits: { bytes: number; entries: number }): Promise<DirUsage> {
    let bytes = 0;
    let entries = 0;
    const pending = [this.real];
    while (pending.length > 0) {
      const dir = pending.pop() ?? '';
      const list = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of list) {
        if (dir === this.real && e.name === '.git') continue;
        entries++;
        if (entries > limits.entries) return { ok: false, message: `the config dir holds more than ${limits.entries} files and folders` };
        const full = path.join(dir, e.name);
        if (e.isDirectory()) pending.push(full);
        else if (e.isFile()) bytes += (await lstat(full).catch(() => null))?.size ?? 0;
        if (bytes > limits.bytes) return { ok: false, message: `the config dir holds more than ${limits.bytes} bytes (limit per commit)` };
      }
    }
    return { ok: true, bytes, entries };
  }

  /** Parses `text`, the content of `rel` (a view of many similar trees may reuse parses of the same text). */
  parseYaml(rel: string, text: string): YamlResult {
    return parseYaml(rel, text);
  }

  /** File mode as the projects dir gets it: 0o755 when any execute bit is set, else 0o644. */
  async mode(rel: string): Promise<number> {
    return (await stat(path.join(this.dir, rel))).mode & 0o111 ? 0o755 : 0o644;
  }

  async exists(rel: string): Promise<boolean> {
    return (await lstat(path.join(this.dir, rel)).catch(() => null)) !== null;
  }

  /** Why `rel` cannot be used (a symlink out of the dir, unreadable); null when fine or missing. */
  async unusable(rel: string): Promise<string | null> {
    const where = await this.resolve(rel);
    return where.ok || where.missing ? null : where.message;
  }

  /** Entry names of a folder inside the dir (sorted), or [] when it does not exist. */
  async list(rel: string): Promise<{ name: string; dir: boolean }[]> {
    const where = await this.resolve(rel);
    if (!where.ok) return [];
    const entries = await readdir(where.real, { withFileTypes: true }).catch(() => []);
    return entries
      .map((e) => ({ name: e.name, dir: e.isDirectory() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
