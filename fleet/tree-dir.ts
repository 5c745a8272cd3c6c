// A rendered host tree seen as the agent's loader sees a config dir (RepoDir), in memory: the
// loader validates each host's tree without writing it to a scratch folder and reading it back.
// It answers as the written tree would: regular files only (render writes no symlinks), mode
// 0644 (render writes none executable), the same messages for missing and oversized files.

import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { parseYaml, type YamlResult } from '../agent/config-text/yaml-file.js';
import { MAX_SOURCE_BYTES, type DirUsage, type RepoDir, type RepoRead } from '../agent/desired/repo-files.js';

type Resolved = { ok: true; real: string } | { ok: false; missing: boolean; message: string };

/** The folders of a tree (every parent of a file; '' is the root) and their entries. */
function foldersOf(tree: ReadonlyMap<string, Buffer>): Map<string, Map<string, boolean>> {
  const folders = new Map<string, Map<string, boolean>>([['', new Map()]]);
  for (const rel of tree.keys()) {
    const parts = rel.split('/');
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const name = parts[i] ?? '';
      let entries = folders.get(parent);
      if (!entries) folders.set(parent, (entries = new Map()));
      const isDir = i < parts.length - 1;
      entries.set(name, isDir);
      if (isDir && !folders.has(parts.slice(0, i + 1).join('/'))) folders.set(parts.slice(0, i + 1).join('/'), new Map());
    }
  }
  return folders;
}

/**
 * Parses shared by the trees of one render: most hosts' compose.yaml is the same text, and
 * their moor.yaml differs only in its first line (a comment naming the host) and its labels.
 * A cached parse is used read-only by the loader (it interpolates into new objects).
 */
export class YamlParses {
  private readonly parses = new Map<string, YamlResult>();

  constructor(private readonly limit = 4096) {}

  parse(rel: string, text: string): YamlResult {
    // A first line that is a comment does not change the document or any line number.
    const key = `${rel}\0${text.replace(/^#[^\n]*/, '#')}`;
    const known = this.parses.get(key);
    if (known) return known;
    const parsed = parseYaml(rel, text);
    if (this.parses.size < this.limit) this.parses.set(key, parsed);
    return parsed;
  }
}

/**
 * What the loader's answer for a tree depends on: every path and content, a first line of
 * moor.yaml that is a comment (render's header, naming the host) left out. Hosts whose trees
 * have the same key get the same problems; most fleets have many (values per site or group).
 */
export function treeKey(tree: ReadonlyMap<string, Buffer>): string {
  const hash = createHash('sha256');
  for (const [rel, data] of tree) {
    hash.update(`${rel}\0${data.length}\0`);
    if (rel === 'moor.yaml' && data[0] === 0x23) {
      const eol = data.indexOf(0x0a);
      hash.update(eol < 0 ? '#' : data.subarray(eol));
    } else hash.update(data);
  }
  return hash.digest('hex');
}

/** `rel` as a key of the tree ('' for the dir itself), or null when it leads out of it. */
function keyOf(rel: string): string | null {
  const n = posix.normalize(rel);
  if (n === '.' || n === './') return '';
  if (n.startsWith('../') || n === '..' || n.startsWith('/')) return null;
  return n.replace(/\/+$/, '');
}

/** An in-memory RepoDir over `tree` (relative POSIX path -> content), named `dir` in messages. */
export function treeDir(dir: string, tree: ReadonlyMap<string, Buffer>, parses = new YamlParses()): RepoDir {
  const folders = foldersOf(tree);
  const resolve = async (rel: string): Promise<Resolved> => {
    const key = keyOf(rel);
    if (key === null) return { ok: false, missing: false, message: `${rel} is a symlink pointing outside the config dir` };
    if (tree.has(key) || folders.has(key)) return { ok: true, real: key === '' ? dir : `${dir}/${key}` };
    return { ok: false, missing: true, message: `${rel} does not exist` };
  };
  const fileOf = async (rel: string, maxBytes: number): Promise<{ ok: true; data: Buffer } | { ok: false; missing: boolean; message: string }> => {
    const where = await resolve(rel);
    if (!where.ok) return where;
    const data = tree.get(keyOf(rel) ?? '');
    if (data === undefined) return { ok: false, missing: false, message: `${rel} is not a regular file` };
    if (data.length > maxBytes) return { ok: false, missing: false, message: `${rel} is larger than ${maxBytes} bytes` };
    return { ok: true, data };
  };
  return {
    dir,
    real: dir,
    resolve,
    read: async (rel: string, maxBytes = MAX_SOURCE_BYTES): Promise<RepoRead> => fileOf(rel, maxBytes),
    size: async (rel: string, maxBytes = MAX_SOURCE_BYTES) => {
      const file = await fileOf(rel, maxBytes);
      return file.ok ? { ok: true, bytes: file.data.length } : file;
    },
    usage: async (limits: { bytes: number; entries: number }): Promise<DirUsage> => {
      const entries = tree.size + folders.size - 1;
      const bytes = [...tree.values()].reduce((n, b) => n + b.length, 0);
      if (entries > limits.entries) return { ok: false, message: `the config dir holds more than ${limits.entries} files and folders` };
      if (bytes > limits.bytes) return { ok: false, message: `the config dir holds more than ${limits.bytes} bytes (limit per commit)` };
      return { ok: true, bytes, entries };
    },
    parseYaml: (rel: string, text: string) => parses.parse(rel, text),
    mode: async () => 0o644,
    exists: async (rel: string) => {
      const key = keyOf(rel);
      return key !== null && (tree.has(key) || folders.has(key));
    },
    unusable: async (rel: string) => {
      const where = await resolve(rel);
      return where.ok || where.missing ? null : where.message;
    },
    list: async (rel: string) => {
      const entries = folders.get(keyOf(rel) ?? '\0');
      if (!entries) return [];
      return [...entries].map(([name, isDir]) => ({ name, dir: isDir })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
}
