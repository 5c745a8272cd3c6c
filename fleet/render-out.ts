// What `moor fleet render` does after the pure render: checks one tree per distinct combination
// of stacks with the agent's validator (every host's tree is `moor fleet check`'s, and publish's,
// job), and writes every tree under DIR/<host>/ with one mkdir per folder and plain synchronous
// writes (no thread-pool round trip per file, no fsync): the CLI waits for them anyway, and the
// output is a build product that the next render writes again.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigProblem } from '../agent/contracts/errors.js';
import type { PolicySettings } from '../agent/desired/policy-settings.js';
import { validateRendered } from './fleet.js';
import type { RenderedHost } from './render.js';

/**
 * The first host of each class of hosts whose trees differ only in their values (`.env`) and
 * labels: same stacks, same compose.yaml (a host's compose override makes its own class).
 */
export function representatives(hosts: readonly RenderedHost[]): RenderedHost[] {
  const seen = new Map<string, RenderedHost>();
  for (const h of hosts) {
    const key = `${h.stacks.join('\0')}\0\0${h.tree.get('compose.yaml')?.toString('utf8') ?? ''}`;
    if (!seen.has(key)) seen.set(key, h);
  }
  return [...seen.values()];
}

/** Validates one rendered tree per class (see `representatives`); problems name that host. */
export async function validateRepresentatives(hosts: readonly RenderedHost[], policy: PolicySettings): Promise<{ checked: number; problems: ConfigProblem[] }> {
  const picked = representatives(hosts);
  return { checked: picked.length, problems: await validateRendered(picked, policy) };
}

/** Writes each host's tree to `out/<host>/`. */
export function writeTrees(out: string, hosts: readonly RenderedHost[]): void {
  const files: [string, Buffer][] = [];
  const dirs = new Set<string>();
  for (const h of hosts) {
    for (const [rel, data] of h.tree) {
      const abs = path.join(out, h.host, ...rel.split('/'));
      dirs.add(path.dirname(abs));
      files.push([abs, data]);
    }
  }
  // Parents first (sorted), each made once; `recursive` makes an existing one no error.
  for (const dir of [...dirs].sort()) mkdirSync(dir, { recursive: true });
  for (const [abs, data] of files) writeFileSync(abs, data);
}
