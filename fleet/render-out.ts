// What `moor fleet render` does after the pure render and the validation of every host's tree:
// writes every tree under DIR/<host>/ with one mkdir per folder and plain synchronous writes
// (no thread-pool round trip per file, no fsync): the CLI waits for them anyway, and the output
// is a build product that the next render writes again.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RenderedHost } from './render.js';

/** Writes each host's tree to `out/<host>/`. */
export function writeTrees(out: string, hosts: readonly RenderedHost[]): void {
  const files: [string, Buffer][] = [];
  const dirs = new Set<string>();
  for (const h of hosts) {
    for (const [rel, data] of h.tree) {
      const abs = path.join(out, h.host, ...rel.split('/'));
      dirs.add(path.dirname(abs));
      files.push([abs, data]);
    }
  }
  // Parents first (sorted), each made once; `recursive` makes an existing one no error.
  for (const dir of [...dirs].sort()) mkdirSync(dir, { recursive: true });
  for (const [abs, data] of files) writeFileSync(abs, data);
}
