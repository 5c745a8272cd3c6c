// The ssh transport: isomorphic-git has none, so this runs the system's git and ssh with a
// pinned known_hosts and a deploy key, then exports with the shared exporter.

import { execFile } from 'node:child_process';
import * as git from 'isomorphic-git';
import { SourceError } from '../contracts/errors.js';
import type { SourceSettings } from '../settings/model.js';
import { exportTree } from './export-tree.js';
import { FETCHED_REF } from './http-source.js';
import type { ConfigSource, RevisionInfo, SourceDeps, SourceOptions } from './port.js';
import { hasCommit, readRevision } from './revision.js';
import { mapGitCliError } from './source-errors.js';

const DEFAULT_TIMEOUT_MS = 30_000;

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** GIT_SSH_COMMAND: batch mode, strict host key checking, only the configured key. */
export function sshCommand(settings: SourceSettings, timeoutMs: number): string {
  const parts = ['ssh', '-o BatchMode=yes', '-o StrictHostKeyChecking=yes'];
  parts.push(`-o ConnectTimeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}`, '-o ServerAliveInterval=10', '-o ServerAliveCountMax=3');
  if (settings.auth.sshKeyFile) parts.push(`-i ${shellQuote(settings.auth.sshKeyFile)}`, '-o IdentitiesOnly=yes');
  if (settings.auth.knownHostsFile) parts.push(`-o UserKnownHostsFile=${shellQuote(settings.auth.knownHostsFile)}`);
  return parts.join(' ');
}

interface GitResult {
  stdout: string;
  stderr: string;
}

export function createSshSource(deps: SourceDeps, options: SourceOptions): ConfigSource {
  const { settings, gitDir } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fullRef = `refs/heads/${settings.branch}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_SSH_COMMAND: sshCommand(settings, timeoutMs),
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
  delete env.GIT_DIR;
  delete env.GIT_WORK_TREE;
  let roundTrips = 0;

  function run(args: string[], what: string, limitMs: number): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { env, timeout: limitMs, maxBuffer: 16 * 1024 * 1024, cwd: '/' }, (err, stdout, stderr) => {
        if (!err) {
          resolve({ stdout, stderr });
          return;
        }
        const cause = err.killed ? Object.assign(new Error(`git timed out after ${limitMs} ms`), { code: 'SOURCE_TIMEOUT' }) : err;
        reject(mapGitCliError(cause, stderr, what));
      });
    });
  }

  async function head(): Promise<string> {
    roundTrips += 1;
    const { stdout } = await run(['-c', 'protocol.version=2', 'ls-remote', settings.url, fullRef], `polling ${settings.branch}`, timeoutMs);
    for (const line of stdout.split('\n')) {
      const [oid, ref] = line.split('\t');
      if (ref === fullRef && oid && /^[0-9a-f]{40}$/.test(oid)) return oid;
    }
    throw new SourceError('BRANCH_NOT_FOUND', `branch ${settings.branch} not found at ${settings.url}`, {
      data: { branch: settings.branch },
    });
  }

  async function fetchCommit(commit: string): Promise<void> {
    if (!deps.fs.existsSync(`${gitDir}/HEAD`)) {
      await run(['init', '--bare', '-q', gitDir], 'creating the private repository', timeoutMs);
    }
    if (await hasCommit(deps, gitDir, commit)) return;
    roundTrips += 1;
    const args = ['--git-dir', gitDir, '-c', 'protocol.version=2', 'fetch', '-q', '--depth', '1', '--no-tags'];
    args.push(settings.url, `+${fullRef}:${FETCHED_REF}`);
    await run(args, `fetching ${settings.branch}`, timeoutMs * 10);
    if (!(await hasCommit(deps, gitDir, commit))) {
      throw new SourceError('COMMIT_NOT_FOUND', `commit ${commit} is no longer the tip of ${settings.branch}`, {
        data: { commit },
      });
    }
  }

  async function checkout(commit: string, destDir: string): Promise<RevisionInfo> {
    await fetchCommit(commit);
    await git.writeRef({ fs: deps.fs, gitdir: gitDir, ref: FETCHED_REF, value: commit, force: true });
    const info = await readRevision(deps, gitDir, commit);
    await exportTree(deps, { gitdir: gitDir, commit, path: settings.path, destDir });
    return info;
  }

  return { head, checkout, stats: () => ({ roundTrips, bytesIn: 0, bytesOut: 0 }) };
}
