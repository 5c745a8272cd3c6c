// Checks unit files with `systemd-analyze verify` where the host has it: unknown keys, values
// systemd cannot parse and units it would refuse become config problems (file, line, unit),
// so such a commit is refused before anything is installed.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UnitSpec } from '../../desired/model.js';
import type { ConfigProblem } from '../../contracts/errors.js';

export interface VerifyOptions {
  tool?: string;
  timeoutMs?: number;
}

export async function verifyUnitFiles(units: readonly UnitSpec[], options: VerifyOptions = {}): Promise<ConfigProblem[]> {
  const own = units.filter((u) => u.content !== null);
  if (own.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'moor-verify-'));
  try {
    for (const unit of own) {
      writeFileSync(join(dir, unit.name), unit.content ?? '');
      const dropIns = Object.entries(unit.dropIns);
      if (dropIns.length > 0) mkdirSync(join(dir, `${unit.name}.d`));
      for (const [name, content] of dropIns) writeFileSync(join(dir, `${unit.name}.d`, name), content);
    }
    const output = await run(options.tool ?? 'systemd-analyze', ['verify', '--man=no', ...own.map((u) => join(dir, u.name))], options.timeoutMs ?? 30_000);
    if (output === null) return [];
    return parseVerifyOutput(output, dir, new Set(own.map((u) => u.name)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lines about the units given, as problems; everything else systemd-analyze says is ignored. */
export function parseVerifyOutput(output: string, dir: string, names: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const prefix = `${dir}/`;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line.startsWith(prefix)) {
      const m = /^([^:]+):(\d+): (.*)$/.exec(line.slice(prefix.length));
      if (!m || !m[1] || !m[3]) continue;
      const unit = m[1].split('/')[0]?.replace(/\.d$/, '') ?? m[1];
      problems.push({ file: `units/${m[1]}`, line: Number(m[2]), key: unit, message: m[3] });
      continue;
    }
    const refused = /^([^\s:]+): (.*Refusing\.)$/.exec(line);
    if (refused?.[1] && refused[2] && names.has(refused[1])) {
      problems.push({ file: `units/${refused[1]}`, line: 1, key: refused[1], message: refused[2] });
    }
  }
  return problems;
}

/** Combined output of the tool, or null when the host does not have it. */
function run(file: string, args: string[], timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') resolve(null);
      else resolve(`${stdout}\n${stderr}`);
    });
  });
}
