// The tips of some host branches on the config repo, with each tip's parent, committer time and
// fleet-commit trailer: what a restarted hub reads to recognise the pushes it made (recovery.ts).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Git } from '../../fleet/git.js';
import { TRAILER } from '../../fleet/host-branches.js';
import type { BranchTip } from './recovery.js';

export async function readBranchTips(git: Git, remote: string, env: NodeJS.ProcessEnv, branches: ReadonlyMap<string, string>): Promise<Map<string, BranchTip>> {
  const out = new Map<string, BranchTip>();
  if (branches.size === 0) return out;
  const dir = await mkdtemp(path.join(tmpdir(), 'moor-tips-'));
  const gitDir = path.join(dir, 'scratch.git');
  try {
    await git.run(['init', '-q', '--bare', gitDir]);
    const listed = await git.run(['-C', gitDir, 'ls-remote', '--heads', remote], { env });
    const existing = new Set(listed.stdout.split('\n').map((l) => l.split('\t')[1] ?? '').filter((ref) => ref.startsWith('refs/heads/')).map((ref) => ref.slice('refs/heads/'.length)));
    const wanted = [...branches].filter(([, branch]) => existing.has(branch));
    if (wanted.length === 0) return out;
    // Depth 2: the tip and its parent, so that the tip's parent id is known (what a revert puts back).
    await git.run(['-C', gitDir, 'fetch', '-q', '--no-tags', '--depth=2', remote, ...wanted.map(([, b]) => `+refs/heads/${b}:refs/heads/${b}`)], { env });
    const refs = wanted.map(([, b]) => `refs/heads/${b}`);
    const log = await git.run(['-C', gitDir, 'log', '--no-walk=unsorted', '--stdin', `--format=%H%x09%P%x09%ct%x09%(trailers:key=${TRAILER},valueonly,separator=%x2C)`], { input: `${refs.join('\n')}\n` });
    const lines = log.stdout.split('\n').filter((l) => l.trim() !== '');
    wanted.forEach(([host], i) => {
      const [commit = '', parents = '', time = '0', trailer = ''] = (lines[i] ?? '').split('\t');
      if (commit === '') return;
      out.set(host, { commit, parent: parents.split(' ')[0] || null, committedAt: Number(time) * 1000, fleetCommit: trailer.split(',')[0]?.trim() || null });
    });
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
