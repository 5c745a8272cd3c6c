// Test bed: real git repositories in temp folders, written with the system git's plumbing
// (commits to any branch without a checkout, force-moves, thousands of branches at once).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';

export type FileContent = string | null | { content: string; mode: 'executable' | 'symlink' };

export type SignWith =
  | { format: 'openpgp'; keyId: string; gnupgHome: string }
  | { format: 'ssh'; keyFile: string };

export interface CommitOptions {
  /** Parent commit; default the branch's tip. null makes a root commit (a rewrite). */
  parent?: string | null;
  sign?: SignWith;
  author?: { name: string; email: string };
  /** Seconds since the epoch; default a fixed clock that ticks per commit. */
  time?: number;
}

export interface TestRepo {
  /** Folder holding the repository (GIT_PROJECT_ROOT for the http server). */
  root: string;
  /** `name.git` for bare repos, `name` for working repos. */
  name: string;
  /** The repository: the bare dir, or the work tree of a working repo. */
  dir: string;
  gitDir: string;
  git(args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<string>;
  /** Commits `files` (null deletes) on top of the branch and moves the branch there. */
  commitFiles(branch: string, files: Record<string, FileContent>, message: string, opts?: CommitOptions): Promise<string>;
  /** Moves a branch anywhere, like a force-push. */
  setBranch(branch: string, commit: string): Promise<void>;
  deleteBranch(branch: string): Promise<void>;
  /** Creates `count` branches `${prefix}0000`... at `commit`, packed. */
  createBranches(prefix: string, count: number, commit: string): Promise<void>;
  remove(): Promise<void>;
}

export function runGit(args: string[], opts: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: opts.cwd ?? '/', env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`git ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8')}`));
    });
    child.stdin.end(opts.input ?? '');
  });
}

export async function createTestRepo(options: { name?: string; bare?: boolean; root?: string } = {}): Promise<TestRepo> {
  const bare = options.bare ?? true;
  const root = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'moor-repo-'));
  const name = options.name ?? (bare ? 'config.git' : 'config');
  const dir = path.join(root, name);
  const gitDir = bare ? dir : path.join(dir, '.git');
  await runGit(bare ? ['init', '-q', '--bare', dir] : ['init', '-q', dir]);
  let clock = 1_700_000_000;

  const git = (args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<string> =>
    runGit(['--git-dir', gitDir, ...args], opts);

  async function tip(branch: string): Promise<string | null> {
    try {
      return (await git(['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`])).trim();
    } catch {
      return null;
    }
  }

  async function commitFiles(branch: string, files: Record<string, FileContent>, message: string, opts: CommitOptions = {}): Promise<string> {
    const parent = opts.parent === undefined ? await tip(branch) : opts.parent;
    const index = path.join(root, `.index-${process.pid}-${clock}`);
    const env: NodeJS.ProcessEnv = { GIT_INDEX_FILE: index };
    try {
      await git(parent ? ['read-tree', parent] : ['read-tree', '--empty'], { env });
      for (const [file, value] of Object.entries(files)) {
        if (value === null) {
          // `--force-remove` needs a work tree; mode 0 through --index-info works in a bare repo too.
          await git(['update-index', '--index-info'], { env, input: `0 ${'0'.repeat(40)}\t${file}\n` });
          continue;
        }
        const content = typeof value === 'string' ? value : value.content;
        const mode = typeof value === 'string' ? '100644' : value.mode === 'executable' ? '100755' : '120000';
        const oid = (await git(['hash-object', '-w', '--stdin'], { input: content })).trim();
        await git(['update-index', '--add', '--cacheinfo', `${mode},${oid},${file}`], { env });
      }
      const tree = (await git(['write-tree'], { env })).trim();
      clock += 60;
      const when = `${opts.time ?? clock} +0000`;
      const who = opts.author ?? { name: 'Fleet Operator', email: 'ops@example.com' };
      const commitEnv: NodeJS.ProcessEnv = {
        GIT_AUTHOR_NAME: who.name,
        GIT_AUTHOR_EMAIL: who.email,
        GIT_AUTHOR_DATE: when,
        GIT_COMMITTER_NAME: who.name,
        GIT_COMMITTER_EMAIL: who.email,
        GIT_COMMITTER_DATE: when,
      };
      const config: string[] = [];
      if (opts.sign?.format === 'openpgp') {
        config.push('-c', 'gpg.format=openpgp', '-c', `user.signingkey=${opts.sign.keyId}`);
        commitEnv.GNUPGHOME = opts.sign.gnupgHome;
      } else if (opts.sign?.format === 'ssh') {
        config.push('-c', 'gpg.format=ssh', '-c', `user.signingkey=${opts.sign.keyFile}`);
      }
      const args = [...config, 'commit-tree', tree, ...(parent ? ['-p', parent] : []), ...(opts.sign ? ['-S'] : [])];
      const commit = (await git(args, { input: message, env: commitEnv })).trim();
      await git(['update-ref', `refs/heads/${branch}`, commit]);
      return commit;
    } finally {
      fs.rmSync(index, { force: true });
    }
  }

  return {
    root,
    name,
    dir,
    gitDir,
    git,
    commitFiles,
    async setBranch(branch, commit) {
      await git(['update-ref', `refs/heads/${branch}`, commit]);
    },
    async deleteBranch(branch) {
      await git(['update-ref', '-d', `refs/heads/${branch}`]);
    },
    async createBranches(prefix, count, commit) {
      // Written straight into packed-refs: `update-ref --stdin` takes seconds for 5,000 refs.
      await git(['pack-refs', '--all']);
      const file = path.join(gitDir, 'packed-refs');
      const lines = new Map<string, string>();
      if (fs.existsSync(file)) {
        for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
          const [oid, ref] = line.split(' ');
          if (oid && ref && /^[0-9a-f]{40}$/.test(oid)) lines.set(ref, oid);
        }
      }
      for (let i = 0; i < count; i += 1) lines.set(`refs/heads/${prefix}${String(i).padStart(4, '0')}`, commit);
      const sorted = [...lines.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const body = sorted.map((ref) => `${lines.get(ref) ?? ''} ${ref}`).join('\n');
      fs.writeFileSync(file, `# pack-refs with: peeled fully-peeled sorted \n${body}\n`);
    },
    async remove() {
      if (!options.root) await fs.promises.rm(root, { recursive: true, force: true });
    },
  };
}
