// The directory on a tmpfs where decrypted compose secrets are placed for bind mounts:
// `<secretsDir>/<project>/<name>-<keyed hash>`, 0700 above the files, never on a disk.
import { chmod, chown, mkdir, readdir, rename, rm, stat, statfs, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MoorError } from '../contracts/errors.js';
import type { ContainerSpec } from '../desired/model.js';

const TMPFS_MAGIC = 0x01021994;

export class SecretsDirError extends MoorError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SECRETS_DIR', message, { handling: 'retry', ...options });
  }
}

export interface SecretFileOptions {
  uid: number | null;
  gid: number | null;
  mode: number;
}

export interface SecretDir {
  /** Where the clear text of this secret is placed; the name changes when the content does. */
  pathOf(project: string, name: string, keyedHash: string): string;
  /** Writes it there (a tmpfs), with its owner and mode. */
  write(path: string, clear: Uint8Array, options: SecretFileOptions): Promise<void>;
}

/**
 * Whether every compose secret the containers mount from `dir` is there: a tmpfs is empty after a
 * reboot, and only a load of the commit places the files again (the name carries the content's hash).
 */
export async function secretMountsInPlace(dir: string, containers: readonly ContainerSpec[]): Promise<boolean> {
  const prefix = join(dir, '/');
  for (const c of containers) {
    for (const m of c.mounts) {
      if (m.type !== 'bind' || !m.source.startsWith(prefix)) continue;
      const found = await stat(m.source).then((s) => s.isFile(), () => false);
      if (!found) return false;
    }
  }
  return true;
}

export function createSecretDir(options: { dir: string }): SecretDir {
  let checked = false;
  const ensureTmpfs = async (): Promise<void> => {
    if (checked) return;
    try {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      await chmod(options.dir, 0o700);
      const fs = await statfs(options.dir);
      if (fs.type !== TMPFS_MAGIC) {
        throw new SecretsDirError(`${options.dir} is not on a tmpfs; decrypted secrets must not reach a disk (mount a tmpfs there or set secretsDir)`);
      }
    } catch (err) {
      if (err instanceof SecretsDirError) throw err;
      throw new SecretsDirError(`cannot prepare ${options.dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    checked = true;
  };
  return {
    pathOf: (project, name, keyedHash) => join(options.dir, project, `${name}-${keyedHash.slice(0, 16)}`),
    async write(path, clear, file) {
      await ensureTmpfs();
      const dir = join(path, '..');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, clear, { mode: 0o600 });
      if (file.uid !== null || file.gid !== null) await chown(tmp, file.uid ?? 0, file.gid ?? 0);
      await chmod(tmp, file.mode);
      await rename(tmp, path);
      await prunePrevious(path);
    },
  };
}

/**
 * Keeps this version of the secret and the one before it (containers not yet replaced still
 * mount it, and must be able to restart); older clear texts are deleted.
 */
async function prunePrevious(path: string): Promise<void> {
  const dir = join(path, '..');
  const current = basename(path);
  const stem = current.replace(/-[0-9a-f]{16}$/, '-');
  const now = new Date();
  await utimes(path, now, now);
  const others: { name: string; at: number }[] = [];
  for (const name of await readdir(dir)) {
    if (name === current || !name.startsWith(stem) || !/^[0-9a-f]{16}$/.test(name.slice(stem.length))) continue;
    const info = await stat(join(dir, name)).catch(() => null);
    if (info) others.push({ name, at: info.mtimeMs });
  }
  others.sort((a, b) => b.at - a.at);
  for (const old of others.slice(1)) await rm(join(dir, old.name), { force: true });
}
