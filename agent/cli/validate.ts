// `moor validate [DIR]`: checks a config dir offline and prints `FILE:LINE: message` per problem.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROJECTS_DIR, loadDesiredState, validateDir } from '../desired/load.js';
import { createHostSecrets, offlineSecrets } from '../secrets/host-secrets.js';
import { checkRecipients } from '../secrets/repo-tools.js';
import { verifyUnitFiles } from '../executors/systemd/verify-units.js';
import { startIntervalNoticeFor } from '../executors/docker/engine-api.js';
import { createObserveParts } from '../app.js';
import type { ConfigProblem } from '../contracts/errors.js';
import { formatProblemLine } from './format.js';
import { defaultPolicy } from '../desired/default-policy.js';
import { EXIT, optionalSettings, printJson, quietLogger, settingsSecrets, type CliContext, type ExitCode } from './context.js';

export async function validateVerb(ctx: CliContext, dir: string): Promise<ExitCode> {
  const settings = await optionalSettings(ctx);
  if (settings === 'invalid') return EXIT.usage;
  const policy = settings?.policy ?? defaultPolicy();
  // On a host (agent.yaml present) `.age` files must decrypt with its identity; elsewhere (CI)
  // they are checked for presence and format only.
  const secrets = settings ? createHostSecrets({ stateDir: settings.stateDir, secretsDir: settings.secretsDir, materialise: false }).repo : offlineSecrets();
  const options = { policy, projectsDir: settings?.projectsDir ?? DEFAULT_PROJECTS_DIR, secrets, knownSecrets: settings ? settingsSecrets(settings) : [] };
  const warnings: ConfigProblem[] = [];
  const engineNotices: string[] = [];
  let problems = await validateDir(dir, { ...options, onWarning: (w) => warnings.push(w) });
  // Where the machine has systemd-analyze, unit files are checked by systemd itself too.
  if (problems.length === 0) {
    const desired = await loadDesiredState(dir, options);
    problems = await verifyUnitFiles(desired.units);
    // On a host, what its engine would ignore is said too (the engine is asked only when it matters).
    const notice = settings ? await startIntervalNoticeFor(createObserveParts(settings, { env: ctx.env, logger: quietLogger() }).engine, desired.containers) : null;
    if (notice !== null) engineNotices.push(notice);
  }
  // A fleet checkout (hosts/) is checked for hosts that cannot decrypt a secret.
  if (existsSync(join(dir, 'hosts'))) problems = [...problems, ...(await checkRecipients(dir))];
  if (ctx.json) printJson(ctx, { valid: problems.length === 0, problems, warnings, ...(engineNotices.length > 0 ? { engineNotices } : {}) });
  else {
    // Warnings (an unset variable used as a blank, ...) as docker compose prints them, valid or not.
    for (const w of warnings) ctx.err(`warning: ${formatProblemLine(w)}`);
    for (const notice of engineNotices) ctx.err(`warning: ${notice}`);
    if (problems.length === 0) ctx.out(`${dir}: valid`);
    else for (const p of problems) ctx.out(formatProblemLine(p));
  }
  return problems.length === 0 ? EXIT.ok : EXIT.failed;
}
