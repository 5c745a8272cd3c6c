// The state directory holds the git checkout, SQLite, the age identity and the control socket:
// it is created 0700, and refused when someone else could write to it or owns it.
import { lstatSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { MoorError } from './contracts/errors.js';

export class StateDirError extends MoorError {
  constructor(message: string, data: Record<string, unknown>) {
    super('STATE_DIR_UNSAFE', message, { handling: 'fatal', data });
  }
}

/** Why `dir` must not be used, with the command that fixes it; null when it is safe. */
export function stateDirProblem(dir: string): string | null {
  const info = lstatSync(dir);
  if (info.isSymbolicLink()) return `state dir ${dir} is a symlink; point stateDir at the real directory`;
  if (!info.isDirectory()) return `state dir ${dir} is not a directory`;
  const uid = process.getuid?.() ?? info.uid;
  if (info.uid !== uid) {
    const user = safeUser();
    return `state dir ${dir} is owned by uid ${info.uid}, not by this user (uid ${uid}); fix: chown ${user} ${dir} && chmod 700 ${dir}`;
  }
  if ((info.mode & 0o022) !== 0) {
    return `state dir ${dir} is writable by ${info.mode & 0o002 ? 'others' : 'its group'} (mode ${(info.mode & 0o777).toString(8)}); fix: chmod 700 ${dir}`;
  }
  return null;
}

/** Creates the state dir (0700) if missing and refuses an unsafe one. */
export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = stateDirProblem(dir);
  if (problem) throw new StateDirError(problem, { dir });
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'root');
  }
}
