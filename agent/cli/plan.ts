// `moor plan`: what would change and why, field by field (secrets redacted). `--dir` plans a local
// checkout without fetching; `--offline` plans against an empty host (for a config repo's CI).

import { hostname } from 'node:os';
import { createApp, createObserveParts } from '../app.js';
import { localAgent } from '../control/local-agent.js';
import { DEFAULT_PROJECTS_DIR, loadDesiredState } from '../desired/load.js';
import { unitsPolicyOf } from '../desired/policy.js';
import { withAgentSecrets } from '../desired/secrets.js';
import { startIntervalNoticeFor } from '../executors/docker/engine-api.js';
import { InvalidConfigError, type ErrorJSON } from '../contracts/errors.js';
import { observe } from '../observe/observe.js';
import { emptyObservedState } from '../contracts/observed.js';
import { plan as makePlan } from '../planner/plan.js';
import { redactPlan } from '../planner/diff.js';
import { nativeBinding } from '../sqlite/native.js';
import type { PlanNowView } from '../contracts/control-protocol.js';
import { createHostSecrets, offlineSecrets } from '../secrets/host-secrets.js';
import type { AgentSettings } from '../settings/model.js';
import { defaultPolicy } from '../desired/default-policy.js';
import { quietLogger, EXIT, optionalSettings, printJson, reportError, settingsOrReport, settingsSecrets, type CliContext, type ExitCode } from './context.js';
import { formatPlan, formatProblemLine } from './format.js';

/** A plan as shown: redacted (the reconciler's and the running agent's come redacted). */
type ShownPlan = PlanNowView;

export async function planVerb(ctx: CliContext, options: { dir?: string; offline: boolean }): Promise<ExitCode> {
  try {
    let result: ShownPlan;
    if (options.dir !== undefined) {
      const settings = await optionalSettings(ctx);
      if (settings === 'invalid') return EXIT.usage;
      result = await planDir(ctx, settings, options.dir, options.offline);
    } else {
      const settings = await settingsOrReport(ctx);
      if (!settings) return EXIT.usage;
      result = await planHead(settings);
    }
    if (result.invalid) return reportInvalid(ctx, result.invalid);
    if (result.sourceError && !ctx.json) ctx.err(`moor: git unreachable (${result.sourceError.message}); planning the applied commit`);
    const shown = result.plan;
    if (ctx.json) printJson(ctx, { commit: result.commit, changes: shown.changes, steps: shown.steps, sourceError: result.sourceError });
    else ctx.out(formatPlan(result.commit, shown));
    return result.plan.steps.length === 0 ? EXIT.ok : EXIT.changes;
  } catch (err) {
    if (err instanceof InvalidConfigError) return reportInvalid(ctx, err.toJSON());
    return reportError(ctx, err);
  }
}

async function planHead(settings: AgentSettings): Promise<ShownPlan> {
  const agent = localAgent(settings);
  if (agent.running()) return agent.ask({ verb: 'plan' });
  const app = createApp(settings, { logger: quietLogger(), nativeBinding: nativeBinding() });
  try {
    return await app.reconciler.planNow();
  } finally {
    app.close();
  }
}

function reportInvalid(ctx: CliContext, error: ErrorJSON): ExitCode {
  if (ctx.json) printJson(ctx, { error });
  else {
    const problems = InvalidConfigError.problemsOf(error);
    if (problems.length === 0) ctx.err(`moor: ${error.message}`);
    for (const p of problems) ctx.err(formatProblemLine(p));
  }
  return EXIT.failed;
}

async function planDir(ctx: CliContext, settings: AgentSettings | null, dir: string, offline: boolean): Promise<ShownPlan> {
  const policy = settings?.policy ?? defaultPolicy();
  const host = settings?.host ?? hostname();
  // On a host (agent.yaml present) `.age` files are decrypted, nothing is written; elsewhere they
  // are checked for presence and format only.
  const secrets = settings ? createHostSecrets({ stateDir: settings.stateDir, secretsDir: settings.secretsDir, materialise: false }).repo : offlineSecrets();
  const projectsDir = settings?.projectsDir ?? DEFAULT_PROJECTS_DIR;
  const knownSecrets = settings ? settingsSecrets(settings) : [];
  const desired = await loadDesiredState(dir, { policy, projectsDir, secrets, knownSecrets, onWarning: (w) => ctx.err(`warning: ${formatProblemLine(w)}`) });
  const parts = offline ? null : createObserveParts(settings, { env: ctx.env, logger: quietLogger() });
  const observed =
    parts === null
      ? emptyObservedState()
      : await observe(parts, desired, {
          host,
          unitNames: desired.units.map((u) => u.name),
          filePaths: desired.files.map((f) => f.path),
        });
  const notice = parts === null ? null : await startIntervalNoticeFor(parts.engine, desired.containers);
  if (notice !== null) ctx.err(`warning: ${notice}`);
  const plan = makePlan(desired, observed, {
    host,
    revision: 'local',
    prune: policy.prune,
    pullAlways: true,
    appliedSpecs: {},
    unitInstall: unitsPolicyOf(policy).install,
  });
  return { commit: null, plan: redactPlan(plan, withAgentSecrets(desired, knownSecrets).secretValues ?? []), invalid: null, sourceError: null };
}
