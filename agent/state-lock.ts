// One process at a time owns the state directory: a lock file holding the owner's pid. A lock
// left by a killed process (pid gone) is taken over.

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MoorError } from './contracts/errors.js';
import { ensureStateDir } from './state-dir.js';

export class StateLock {
  private constructor(private readonly file: string) {}

  static acquire(stateDir: string): StateLock {
    ensureStateDir(stateDir);
    const file = join(stateDir, 'agent.lock');
    // A fresh host: whichever verb comes first makes the state dir, private to root.
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new MoorError('STATE_DIR_UNUSABLE', `cannot create the state dir ${stateDir}`, { handling: 'fatal', cause: err });
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new StateLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new MoorError('STATE_DIR_UNUSABLE', `cannot create ${file}`, { handling: 'fatal', cause: err });
        }
        const owner = StateLock.owner(stateDir);
        if (owner !== null && owner !== process.pid) {
          throw new MoorError('STATE_DIR_LOCKED', `an agent (pid ${owner}) holds ${stateDir}`, { handling: 'fatal', data: { pid: owner } });
        }
        rmSync(file, { force: true });
      }
    }
    throw new MoorError('STATE_DIR_LOCKED', `cannot lock ${stateDir}`, { handling: 'fatal' });
  }

  /** The pid of a live process holding the lock, or null. */
  static owner(stateDir: string): number | null {
    let pid: number;
    try {
      pid = Number(readFileSync(join(stateDir, 'agent.lock'), 'utf8').trim());
    } catch {
      return null;
    }
    if (!Number.isInteger(pid) || pid <= 0) return null;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
    }
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}
