// `moor plan`: what would change and why, field by field (secrets redacted). `--dir` plans a local
// checkout without fetching; `--offline` plans against an empty host (for a config repo's CI).

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { createApp } from '../app.js';
import { createHostParts } from '../host-parts.js';
import { createProjectDirs } from '../executors/files/project-dirs.js';
import { DEFAULT_PROJECTS_DIR, loadDesiredState } from '../desired/load.js';
import { createHostSecrets, offlineSecrets } from '../secrets/host-secrets.js';
import { DEFAULTS } from '../settings/schema.js';
import { connectDocker } from '../executors/docker/connect.js';
import { createDockerEngine } from '../executors/docker/dockerode-engine.js';
import { InvalidConfigError } from '../errors.js';
import { observe } from '../observe/observe.js';
import { emptyObservedState } from '../observe/model.js';
import { plan as makePlan } from '../planner/plan.js';
import type { Plan } from '../planner/steps.js';
import { redactPlan } from '../planner/diff.js';
import { nativeBinding } from '../native.js';
import type { AgentSettings, PolicySettings } from '../settings/model.js';
import { defaultPolicy } from '../settings/defaults.js';
import { unitsPolicyOf } from '../desired/policy.js';
import { quietLogger, EXIT, printJson, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';
import { formatPlan, formatProblemLine } from './format.js';
import { agentRunning, askAgent } from './local-agent.js';

export async function planVerb(ctx: CliContext, options: { dir?: string; offline: boolean }): Promise<ExitCode> {
  try {
    let result: { commit: string | null; plan: Plan; secrets?: string[] };
    if (options.dir !== undefined) {
      result = await planDir(ctx, options.dir, options.offline);
    } else {
      const settings = await settingsOrReport(ctx);
      if (!settings) return EXIT.usage;
      if (agentRunning(settings)) {
        result = (await askAgent(settings, { verb: 'plan' })) as { commit: string | null; plan: Plan };
      } else {
        const app = createApp(settings, { logger: quietLogger(), nativeBinding: nativeBinding() });
        try {
          result = await app.reconciler.planNow();
        } finally {
          app.close();
        }
      }
    }
    // Plans from the agent arrive redacted; a local one is redacted here with its commit's secrets.
    const shown = redactPlan(result.plan, result.secrets ?? []);
    if (ctx.json) printJson(ctx, { commit: result.commit, changes: shown.changes, steps: shown.steps });
    else ctx.out(formatPlan(result.commit, shown));
    return result.plan.steps.length === 0 ? EXIT.ok : EXIT.changes;
  } catch (err) {
    if (err instanceof InvalidConfigError) {
      if (ctx.json) printJson(ctx, { error: err.toJSON() });
      else for (const p of err.problems) ctx.err(formatProblemLine(p));
      return EXIT.failed;
    }
    return reportError(ctx, err);
  }
}

async function planDir(ctx: CliContext, dir: string, offline: boolean): Promise<{ commit: string | null; plan: Plan; secrets: string[] }> {
  const settings = existsSync(ctx.configFile) ? await settingsOrReport(ctx) : null;
  const policy: PolicySettings = settings?.policy ?? defaultPolicy();
  const host = settings?.host ?? hostname();
  // On a host (agent.yaml present) `.age` files are decrypted, nothing is written; elsewhere they
  // are checked for presence and format only.
  const secrets = settings ? createHostSecrets({ stateDir: settings.stateDir, secretsDir: settings.secretsDir, materialise: false }).repo : offlineSecrets();
  const projectsDir = settings?.projectsDir ?? DEFAULT_PROJECTS_DIR;
  const desired = await loadDesiredState(dir, { policy, projectsDir, secrets, onWarning: (w) => ctx.err(`warning: ${formatProblemLine(w)}`) });
  const observed = offline
    ? emptyObservedState()
    : await observe(
        {
          engine: createDockerEngine({ docker: connectDocker(settings?.docker ?? dockerFromEnv(ctx.env)) }, { registries: [], dockerConfigFile: null }),
          hostReader: settings ? createHostParts(settings, { logger: quietLogger() }).reader : undefined,
          projects: createProjectDirs(),
        },
        desired,
        { host, unitNames: desired.units.map((u) => u.name), filePaths: desired.files.map((f) => f.path) },
      );
  const plan = makePlan(desired, observed, {
    host,
    revision: 'local',
    prune: policy.prune,
    pullAlways: true,
    appliedSpecs: {},
    unitInstall: unitsPolicyOf(policy).install,
  });
  return { commit: null, plan, secrets: desired.secretValues ?? [] };
}


function dockerFromEnv(env: NodeJS.ProcessEnv): AgentSettings['docker'] {
  const dh = env.DOCKER_HOST;
  if (dh?.startsWith('unix://')) return { socketPath: dh.slice('unix://'.length), host: null, port: null, configFile: null };
  if (dh?.startsWith('tcp://')) {
    const u = new URL(dh.replace(/^tcp:/, 'http:'));
    return { socketPath: null, host: u.hostname, port: Number(u.port) || 2375, configFile: null };
  }
  return { socketPath: DEFAULTS.socketPath, host: null, port: null, configFile: null };
}
