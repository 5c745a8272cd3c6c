// What `moor fleet render` does after the pure render and the validation of every host's tree:
// writes every tree under DIR/<host>/ with one mkdir per folder and plain synchronous writes
// (no thread-pool round trip per file, no fsync): the CLI waits for them anyway, and the output
// is a build product that the next render writes again. A file that DIR already holds with the
// same bytes (a render again into the same DIR, from CI or a laptop) is left as it is: reading
// it back costs the disk far less than rewriting it.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RenderedHost } from './render.js';

/** Whether `abs` is a regular file holding exactly `data`. */
function holds(abs: string, data: Buffer): boolean {
  try {
    const info = statSync(abs);
    return info.isFile() && info.size === data.length && readFileSync(abs).equals(data);
  } catch {
    return false;
  }
}

/** Writes each host's tree to `out/<host>/`. */
export function writeTrees(out: string, hosts: readonly RenderedHost[]): void {
  const files: [string, Buffer, boolean][] = [];
  const dirs = new Set<string>();
  for (const h of hosts) {
    // Only a host folder that exists already can hold files to compare with.
    const earlier = existsSync(path.join(out, h.host));
    for (const [rel, data] of h.tree) {
      const abs = path.join(out, h.host, ...rel.split('/'));
      dirs.add(path.dirname(abs));
      files.push([abs, data, earlier]);
    }
  }
  // Parents first (sorted), each made once; `recursive` makes an existing one no error.
  for (const dir of [...dirs].sort()) mkdirSync(dir, { recursive: true });
  for (const [abs, data, earlier] of files) if (!earlier || !holds(abs, data)) writeFileSync(abs, data);
}
