// Test bed: Debian's openssh-server on a loopback port with its own host key and an
// authorised ed25519 deploy key, for the git+ssh source. Logs go to a file.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export interface Sshd {
  port: number;
  /** ssh://root@127.0.0.1:PORT — append an absolute repository path. */
  baseUrl: string;
  /** Private deploy key authorised for root. */
  keyFile: string;
  /** known_hosts pinning this server's host key. */
  knownHostsFile: string;
  /** known_hosts with some other host key for this address: must be refused. */
  wrongKnownHostsFile: string;
  logFile: string;
  dir: string;
  stop(): Promise<void>;
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', path.basename(file), '-f', file], { stdio: 'ignore' });
}

/** Resolves once the server sends its SSH banner. */
async function waitForBanner(port: number, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.setTimeout(1000);
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d.toString('latin1').startsWith('SSH-'));
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('sshd did not come up');
}

export async function startSshd(options: { dir?: string } = {}): Promise<Sshd> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'moor-sshd-'));
  const hostKey = path.join(dir, 'host_key');
  const otherHostKey = path.join(dir, 'other_host_key');
  const keyFile = path.join(dir, 'deploy_key');
  for (const f of [hostKey, otherHostKey, keyFile]) if (!fs.existsSync(f)) keygen(f);
  fs.copyFileSync(`${keyFile}.pub`, path.join(dir, 'authorized_keys'));
  // sshd refuses to start without its privilege separation directory.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'AcceptEnv GIT_PROTOCOL',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const logFile = path.join(dir, 'sshd.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config, '-p', String(port)], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  try {
    await waitForBanner(port, child, 10_000);
  } catch (err) {
    child.kill('SIGTERM');
    throw new Error(`${err instanceof Error ? err.message : String(err)}; see ${logFile}`);
  }

  const pin = (pub: string): string => `[127.0.0.1]:${port} ${fs.readFileSync(pub, 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
  const knownHostsFile = path.join(dir, 'known_hosts');
  const wrongKnownHostsFile = path.join(dir, 'known_hosts.wrong');
  fs.writeFileSync(knownHostsFile, pin(`${hostKey}.pub`));
  fs.writeFileSync(wrongKnownHostsFile, pin(`${otherHostKey}.pub`));

  return {
    port,
    baseUrl: `ssh://root@127.0.0.1:${port}`,
    keyFile,
    knownHostsFile,
    wrongKnownHostsFile,
    logFile,
    dir,
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
