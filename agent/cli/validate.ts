// `moor validate [DIR]`: checks a config dir offline and prints `FILE:LINE: message` per problem.

import { existsSync } from 'node:fs';
import { DEFAULT_PROJECTS_DIR, loadDesiredState, validateDir } from '../desired/load.js';
import { verifyUnitFiles } from '../executors/systemd/verify-units.js';
import { formatProblem, type ConfigProblem } from '../errors.js';
import { defaultPolicy } from '../settings/defaults.js';
import { EXIT, printJson, settingsOrReport, type CliContext, type ExitCode } from './context.js';

export async function validateVerb(ctx: CliContext, dir: string): Promise<ExitCode> {
  const settings = existsSync(ctx.configFile) ? await settingsOrReport(ctx) : null;
  const policy = settings?.policy ?? defaultPolicy();
  const projectsDir = settings?.projectsDir ?? DEFAULT_PROJECTS_DIR;
  const warnings: ConfigProblem[] = [];
  let problems = await validateDir(dir, { policy, projectsDir, onWarning: (w) => warnings.push(w) });
  // Where the machine has systemd-analyze, unit files are checked by systemd itself too.
  if (problems.length === 0) problems = await verifyUnitFiles((await loadDesiredState(dir, { policy, projectsDir })).units);
  if (ctx.json) printJson(ctx, { valid: problems.length === 0, problems, warnings });
  else {
    // Warnings (an unset variable used as a blank, ...) as docker compose prints them, valid or not.
    for (const w of warnings) ctx.err(`warning: ${formatProblem(w)}`);
    if (problems.length === 0) ctx.out(`${dir}: valid`);
    else for (const p of problems) ctx.out(formatProblem(p));
  }
  return problems.length === 0 ? EXIT.ok : EXIT.failed;
}
