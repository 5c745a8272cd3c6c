// Where better-sqlite3's native addon is when it is not in node_modules: the single binary
// (bundle-entry.ts) writes it to a cache directory and says so in MOOR_SQLITE_BINDING.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function nativeBinding(): string | undefined {
  return process.env.MOOR_SQLITE_BINDING || undefined;
}

/**
 * Folders the single binary may extract the addon to, best first: systemd's CacheDirectory, then
 * /var/cache/moor for root, then the user's cache. Never /tmp or /run, often mounted noexec.
 */
export function addonCacheCandidates(env: NodeJS.ProcessEnv, uid: number): string[] {
  const out: string[] = [];
  // systemd passes a colon-separated list when a unit names several cache directories.
  const systemd = env.CACHE_DIRECTORY?.split(':')[0];
  if (systemd) out.push(systemd);
  if (uid === 0) out.push('/var/cache/moor');
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  out.push(join(base, 'moor'));
  return [...new Set(out)];
}
