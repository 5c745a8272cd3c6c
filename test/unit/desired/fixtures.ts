// Helpers for desired-state tests: config dirs written to temp folders, a default policy,
// and a matcher for problems by file, line and key.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConfigProblem } from '../../../agent/contracts/errors.js';
import { DEFAULT_PROJECTS_DIR, loadDesiredState, validateDir } from '../../../agent/desired/load.js';
import type { DesiredState } from '../../../agent/desired/model.js';
import type { PolicySettings } from '../../../agent/settings/model.js';

export const POLICY: PolicySettings = {
  selfHeal: true,
  prune: true,
  allowPrivileged: false,
  allowedBindRoots: ['/srv'],
  allowedFileRoots: ['/etc/moor-files'],
};

/** Writes `files` (path -> content; a `{ symlink }` value makes a symlink) into a new temp dir. */
export async function configDir(files: Record<string, string | { symlink: string }>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'moor-desired-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    if (typeof content === 'string') await writeFile(abs, content);
    else await symlink(content.symlink, abs);
  }
  return dir;
}

export async function load(files: Record<string, string | { symlink: string }>, policy = POLICY): Promise<DesiredState> {
  return loadDesiredState(await configDir(files), { policy, projectsDir: DEFAULT_PROJECTS_DIR });
}

/** Loads a valid config dir and returns the warnings it gave too. */
export async function loadWarned(files: Record<string, string | { symlink: string }>, policy = POLICY): Promise<{ state: DesiredState; warnings: ConfigProblem[] }> {
  const warnings: ConfigProblem[] = [];
  const state = await loadDesiredState(await configDir(files), { policy, projectsDir: DEFAULT_PROJECTS_DIR, onWarning: (w) => warnings.push(w) });
  return { state, warnings };
}

export async function problems(files: Record<string, string | { symlink: string }>, policy = POLICY): Promise<ConfigProblem[]> {
  return validateDir(await configDir(files), { policy, projectsDir: DEFAULT_PROJECTS_DIR });
}

/** Asserts that one problem has this file, line and key, and a message matching `message`. */
export function assertProblem(
  list: ConfigProblem[],
  expected: { file: string; line: number; key: string; message?: RegExp },
): void {
  const found = list.find(
    (p) => p.file === expected.file && p.key === expected.key && (expected.message?.test(p.message) ?? true),
  );
  assert.ok(found, `no problem ${JSON.stringify(expected)} in:\n${list.map((p) => JSON.stringify(p)).join('\n')}`);
  assert.equal(found.line, expected.line, `line of ${expected.key}`);
}

/** A compose file with one service `web` whose body is `body` (indented by the caller). */
export function composeWith(body: string, extra = ''): string {
  return `services:\n  web:\n    image: local/busybox:1\n${body}${extra}`;
}
