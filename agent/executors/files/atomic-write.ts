// Writes a file atomically: a temp file in the same folder, fsync, rename over the target,
// fsync of the folder. A reader (or a crash) sees the old content or the new, never half.

import { randomBytes } from 'node:crypto';
import { chown, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
}

export async function writeFileAtomic(target: string, data: Uint8Array | string, options: AtomicWriteOptions): Promise<void> {
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const temp = path.join(dir, `.${path.basename(target)}.moor-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', options.mode);
  try {
    await handle.writeFile(data);
    // open()'s mode is filtered by the umask; chmod sets it exactly.
    await handle.chmod(options.mode);
    if (options.uid !== undefined || options.gid !== undefined) await chown(temp, options.uid ?? -1, options.gid ?? -1);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic.
  } finally {
    await handle.close();
  }
}
