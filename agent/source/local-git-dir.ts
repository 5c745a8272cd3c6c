// Where a local config repository keeps its objects (port.ts needs it without loading the local
// transport and isomorphic-git).

import type * as nodeFs from 'node:fs';
import path from 'node:path';

/** The git directory of a local repository: `X/.git` (or what a `.git` file points to), else X. */
export function resolveLocalGitDir(fs: typeof nodeFs, url: string): string {
  const root = path.resolve(url.startsWith('file://') ? new URL(url).pathname : url);
  const dotGit = path.join(root, '.git');
  let stat: nodeFs.Stats | undefined;
  try {
    stat = fs.statSync(dotGit);
  } catch {
    return root;
  }
  if (stat.isDirectory()) return dotGit;
  const pointer = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
  return pointer?.[1] ? path.resolve(root, pointer[1].trim()) : root;
}
