// Helpers for the corpus: the default policy, a case written to a temp dir, and the check that
// a case's problems name the file and key at fault.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem, type ConfigProblem } from '../../../agent/contracts/errors.js';
import type { PolicySettings } from '../../../agent/settings/model.js';
import type { CorpusCase, CorpusFile } from './cases.js';

export const DEFAULT_POLICY: PolicySettings = {
  selfHeal: true,
  prune: true,
  allowPrivileged: false,
  allowedBindRoots: ['/srv'],
  allowedFileRoots: ['/etc/moor-files'],
};

/** `<repo>/../shared/compose-corpus`, looked for from the checkout upwards (worktrees sit deeper); null when absent. */
export function composeCorpusDir(): string | null {
  let dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, '..', 'shared', 'compose-corpus');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

export async function writeConfigDir(root: string, files: Record<string, CorpusFile>): Promise<string> {
  const dir = await mkdtemp(path.join(root, 'case-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel.replace(/\u0000/g, ''));
    await mkdir(path.dirname(abs), { recursive: true });
    if (typeof content === 'string') await writeFile(abs, content);
    else await symlink(content.symlink, abs);
  }
  return dir;
}

/** Why a case's problems fall short, or null when they name the file (and key) as asked. */
export function shortfall(c: CorpusCase, problems: ConfigProblem[]): string | null {
  if (problems.length === 0) return 'accepted';
  if (problems.some((p) => !p.file)) return `a problem names no file: ${problems.map(formatProblem).join(' | ')}`;
  const inFile = problems.filter((p) => p.file === c.file);
  if (inFile.length === 0) return `no problem names ${c.file}: ${problems.map(formatProblem).join(' | ')}`;
  if (c.key && !inFile.some((p) => c.key?.test(p.key))) return `no problem names key ${String(c.key)}: ${problems.map(formatProblem).join(' | ')}`;
  return null;
}

