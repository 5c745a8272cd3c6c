// Git object ids of a rendered tree, computed in-process (sha1 of git's object format), and
// loose-object writing into a scratch repository, so that comparing 500 trees with their
// branches costs no process per file.

import { createHash } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

export interface GitObject {
  id: string;
  type: 'blob' | 'tree';
  body: Buffer;
}

function object(type: GitObject['type'], body: Buffer): GitObject {
  const full = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
  return { id: createHash('sha1').update(full).digest('hex'), type, body };
}

interface Dir {
  files: Map<string, Buffer>;
  dirs: Map<string, Dir>;
}

function nest(tree: ReadonlyMap<string, Buffer>): Dir {
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const [rel, data] of tree) {
    const parts = rel.split('/');
    let dir = root;
    for (const seg of parts.slice(0, -1)) {
      let next = dir.dirs.get(seg);
      if (!next) dir.dirs.set(seg, (next = { files: new Map(), dirs: new Map() }));
      dir = next;
    }
    dir.files.set(parts[parts.length - 1] ?? '', data);
  }
  return root;
}

function treeObjects(dir: Dir, out: GitObject[]): GitObject {
  const entries: { sortKey: string; bytes: Buffer }[] = [];
  for (const [name, data] of dir.files) {
    const blob = object('blob', data);
    out.push(blob);
    entries.push({ sortKey: name, bytes: Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from(blob.id, 'hex')]) });
  }
  for (const [name, sub] of dir.dirs) {
    const t = treeObjects(sub, out);
    // git sorts a tree entry as if a directory's name ended with '/'.
    entries.push({ sortKey: `${name}/`, bytes: Buffer.concat([Buffer.from(`40000 ${name}\0`), Buffer.from(t.id, 'hex')]) });
  }
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)));
  const tree = object('tree', Buffer.concat(entries.map((e) => e.bytes)));
  out.push(tree);
  return tree;
}

/** Every object of the tree (root last) and the root tree's id. */
export function gitTree(tree: ReadonlyMap<string, Buffer>): { id: string; objects: GitObject[] } {
  const objects: GitObject[] = [];
  const root = treeObjects(nest(tree), objects);
  return { id: root.id, objects };
}

/** Writes objects as loose objects into `gitDir` (skipping those already there). */
export async function writeLooseObjects(gitDir: string, objects: readonly GitObject[]): Promise<void> {
  for (const o of objects) {
    const dir = path.join(gitDir, 'objects', o.id.slice(0, 2));
    const file = path.join(dir, o.id.slice(2));
    if (await stat(file).catch(() => null)) continue;
    await mkdir(dir, { recursive: true });
    await writeFile(file, deflateSync(Buffer.concat([Buffer.from(`${o.type} ${o.body.length}\0`), o.body])));
  }
}
