// `moor validate [DIR]`: checks a config dir offline and prints `FILE:LINE: message` per problem.

import { loadDesiredState, validateDir } from '../desired/load.js';
import { verifyUnitFiles } from '../executors/systemd/verify-units.js';
import { formatProblem } from '../errors.js';
import { defaultPolicy } from '../settings/defaults.js';
import { EXIT, optionalSettings, printJson, type CliContext, type ExitCode } from './context.js';

export async function validateVerb(ctx: CliContext, dir: string): Promise<ExitCode> {
  const settings = await optionalSettings(ctx);
  if (settings === 'invalid') return EXIT.usage;
  const policy = settings?.policy ?? defaultPolicy();
  let problems = await validateDir(dir, { policy });
  // Where the machine has systemd-analyze, unit files are checked by systemd itself too.
  if (problems.length === 0) problems = await verifyUnitFiles((await loadDesiredState(dir, { policy })).units);
  if (ctx.json) printJson(ctx, { valid: problems.length === 0, problems });
  else if (problems.length === 0) ctx.out(`${dir}: valid`);
  else for (const p of problems) ctx.out(formatProblem(p));
  return problems.length === 0 ? EXIT.ok : EXIT.failed;
}
