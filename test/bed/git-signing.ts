// Test bed: real signing keys for commits — an OpenPGP key in a private GNUPGHOME (gpg) and
// an Ed25519 SSH key (ssh-keygen) — used through git's gpg.format=openpgp|ssh.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';

/** Installs Debian's gnupg when `gpg` is missing (apt, from the configured mirror). */
export function ensureGpg(): void {
  try {
    execFileSync('gpg', ['--version'], { stdio: 'ignore' });
  } catch {
    execFileSync('apt-get', ['install', '-y', '-q', 'gnupg'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

export interface GpgKey {
  gnupgHome: string;
  fingerprint: string;
  armoredPublicKey: string;
  /** Stops the gpg-agent this key's GNUPGHOME started. */
  stop(): void;
}

export function createGpgKey(dir: string, userId: string): GpgKey {
  ensureGpg();
  const gnupgHome = fs.mkdtempSync(path.join(dir, 'gpg-'));
  fs.chmodSync(gnupgHome, 0o700);
  const env = { ...process.env, GNUPGHOME: gnupgHome };
  const gpg = (args: string[]): string => execFileSync('gpg', ['--batch', '--quiet', ...args], { env, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  gpg(['--passphrase', '', '--quick-gen-key', userId, 'ed25519', 'sign', 'never']);
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(['--with-colons', '--list-keys', userId]))?.[1];
  if (!fpr) throw new Error('gpg did not create a key');
  return {
    gnupgHome,
    fingerprint: fpr,
    armoredPublicKey: gpg(['--armor', '--export', fpr]),
    stop() {
      try {
        execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
      } catch {
        // no agent was started
      }
    },
  };
}

export interface SshSigningKey {
  keyFile: string;
  /** `ssh-ed25519 AAAA... comment`, as written in a keysFile. */
  publicKeyLine: string;
}

export function createSshSigningKey(dir: string, comment: string): SshSigningKey {
  const keyFile = path.join(dir, `sign-${comment.replace(/[^a-z0-9]/gi, '_')}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', keyFile], { stdio: 'ignore' });
  return { keyFile, publicKeyLine: fs.readFileSync(`${keyFile}.pub`, 'utf8').trim() };
}
