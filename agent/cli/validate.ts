// `moor validate [DIR]`: checks a config dir offline and prints `FILE:LINE: message` per problem.

import { existsSync } from 'node:fs';
import { loadDesiredState, validateDir } from '../desired/load.js';
import { createHostSecrets, offlineSecrets } from '../secrets/host-secrets.js';
import { checkRecipients } from '../secrets/repo-tools.js';
import { join } from 'node:path';
import { verifyUnitFiles } from '../executors/systemd/verify-units.js';
import { formatProblem } from '../errors.js';
import { defaultPolicy } from '../settings/defaults.js';
import { EXIT, printJson, settingsOrReport, type CliContext, type ExitCode } from './context.js';

export async function validateVerb(ctx: CliContext, dir: string): Promise<ExitCode> {
  const settings = existsSync(ctx.configFile) ? await settingsOrReport(ctx) : null;
  const policy = settings?.policy ?? defaultPolicy();
  // secrets: issue 13. On a host (agent.yaml present) `.age` files must decrypt with its identity;
  // elsewhere (CI) they are checked for presence and format only.
  const secrets = settings ? createHostSecrets({ stateDir: settings.stateDir, secretsDir: settings.secretsDir, materialise: false }).repo : offlineSecrets();
  let problems = await validateDir(dir, { policy, secrets });
  // Where the machine has systemd-analyze, unit files are checked by systemd itself too.
  if (problems.length === 0) problems = await verifyUnitFiles((await loadDesiredState(dir, { policy, secrets })).units);
  // secrets: issue 13. A fleet checkout (hosts/) is checked for hosts that cannot decrypt a secret.
  if (existsSync(join(dir, 'hosts'))) problems = [...problems, ...(await checkRecipients(dir))];
  if (ctx.json) printJson(ctx, { valid: problems.length === 0, problems });
  else if (problems.length === 0) ctx.out(`${dir}: valid`);
  else for (const p of problems) ctx.out(formatProblem(p));
  return problems.length === 0 ? EXIT.ok : EXIT.failed;
}
