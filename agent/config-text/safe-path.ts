// Path checks shared by compose binds, devices, files: and agent.yaml: absolute host paths
// under allowed roots, and relative paths that stay inside a folder.
import path from 'node:path';

function hasDotDot(p: string): boolean {
  return p.split('/').includes('..');
}

/** A normalised absolute POSIX path, or an error message. `..` segments are refused outright. */
export function normaliseAbsolute(p: string): { path: string } | { error: string } {
  if (!path.posix.isAbsolute(p)) return { error: `"${p}" is not an absolute path` };
  if (hasDotDot(p)) return { error: `"${p}" contains ".."` };
  if (/[\0\n\r]/.test(p)) return { error: `"${p}" contains a control character` };
  const normal = path.posix.normalize(p);
  return { path: normal.length > 1 ? normal.replace(/\/+$/, '') : normal };
}

/** Whether `p` (normalised, absolute) is `root` or inside it. */
export function isUnder(p: string, root: string): boolean {
  if (root === '/') return true;
  const r = root.replace(/\/+$/, '');
  return p === r || p.startsWith(r + '/');
}

export function isUnderAny(p: string, roots: readonly string[]): boolean {
  return roots.some((root) => isUnder(p, root));
}

/**
 * A relative path inside a folder (e.g. `files/telegraf.conf` in the config dir), normalised,
 * or an error message. Absolute paths and `..` are refused.
 */
export function normaliseRelative(p: string): { path: string } | { error: string } {
  if (p === '' || path.posix.isAbsolute(p)) return { error: `"${p}" must be a relative path inside the config dir` };
  if (hasDotDot(p)) return { error: `"${p}" must not contain ".."` };
  if (/[\0\n\r]/.test(p)) return { error: `"${p}" contains a control character` };
  const normal = path.posix.normalize(p).replace(/\/+$/, '');
  if (normal === '.' || normal === '') return { error: `"${p}" does not name a file` };
  return { path: normal };
}
