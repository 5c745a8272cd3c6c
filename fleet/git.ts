// The system git, for the fleet layer: it speaks every transport the agent supports (https
// with a token, ssh, a local path). Credentials come from files and travel in the child's
// environment (GIT_CONFIG_*, GIT_SSH_COMMAND), never in a URL or on the command line.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export class FleetGitError extends Error {
  readonly code = 'FLEET_GIT';
  constructor(message: string, readonly stderr: string) {
    super(message);
    this.name = 'FleetGitError';
  }
}

export interface RemoteAuth {
  username?: string;
  /** File holding a password or token (https). */
  passwordFile?: string;
  /** ssh: private key and known_hosts files. */
  sshKeyFile?: string;
  knownHostsFile?: string;
}

export interface Git {
  run(args: string[], options?: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv; allowFail?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Environment for talking to a remote with the given credentials. */
export async function remoteEnv(auth: RemoteAuth): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  if (auth.passwordFile) {
    const secret = (await readFile(auth.passwordFile, 'utf8')).trim();
    const basic = Buffer.from(`${auth.username ?? 'git'}:${secret}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  const ssh = ['ssh', '-o BatchMode=yes', '-o StrictHostKeyChecking=yes'];
  if (auth.sshKeyFile) ssh.push(`-i ${quote(auth.sshKeyFile)}`, '-o IdentitiesOnly=yes');
  if (auth.knownHostsFile) ssh.push(`-o UserKnownHostsFile=${quote(auth.knownHostsFile)}`);
  env.GIT_SSH_COMMAND = ssh.join(' ');
  return env;
}

/** git's generic advice after a transport failure: the lines before it say what happened. */
const BOILERPLATE = /^(Please make sure you have the correct access rights|and the repository exists\.)$/;

/** The git verb of an argument list, past `-C DIR`, `-c K=V` and `--git-dir DIR`. */
function subcommand(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-C' || a === '-c' || a === '--git-dir' || a === '--work-tree') i++;
    else if (!a.startsWith('-')) return a;
  }
  return args[0] ?? '';
}

export function systemGit(baseEnv: NodeJS.ProcessEnv = process.env): Git {
  return {
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const env = { ...baseEnv, ...options.env };
        delete env.GIT_DIR;
        delete env.GIT_WORK_TREE;
        const child = spawn('git', args, { cwd: options.cwd ?? process.cwd(), env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout?.on('data', (c: Buffer) => out.push(c));
        child.stderr?.on('data', (c: Buffer) => err.push(c));
        child.on('error', (e) => reject(new FleetGitError(`git ${args[0] ?? ''}: ${e.message}`, '')));
        child.on('close', (code) => {
          const result = { code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
          if (result.code !== 0 && !options.allowFail) {
            const why = result.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !BOILERPLATE.test(l)).slice(-3).join('; ');
            reject(new FleetGitError(`git ${subcommand(args)} failed: ${why || `exit ${result.code}`}`, result.stderr));
          } else resolve(result);
        });
        if (child.stdin) {
          child.stdin.on('error', () => undefined); // git may exit before reading all input; its exit code tells
          child.stdin.end(options.input);
        }
      });
    },
  };
}
