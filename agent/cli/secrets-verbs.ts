// The work behind `moor secrets ...`: host identity verbs here, repo verbs in secrets-repo-verbs.ts.

import { existsSync } from 'node:fs';
import { ensureIdentity } from '../secrets/identity.js';
import { MoorError } from '../contracts/errors.js';
import { EXIT, printJson, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';

const DEFAULT_STATE_DIR = '/var/lib/moor';

/** `--state-dir`, else agent.yaml's stateDir when there is an agent.yaml, else the default. */
async function stateDirOf(ctx: CliContext, opts: { stateDir?: string }): Promise<string | null> {
  if (opts.stateDir) return opts.stateDir;
  if (!existsSync(ctx.configFile)) return DEFAULT_STATE_DIR;
  return (await settingsOrReport(ctx))?.stateDir ?? null;
}

export async function initVerb(ctx: CliContext, opts: { stateDir?: string }): Promise<ExitCode> {
  const stateDir = await stateDirOf(ctx, opts);
  if (stateDir === null) return EXIT.usage;
  try {
    const { identity, created } = await ensureIdentity(stateDir);
    if (ctx.json) printJson(ctx, { recipient: identity.recipient, created, file: identity.file });
    else {
      ctx.err(created ? `created ${identity.file}` : `${identity.file} already exists; kept`);
      ctx.out(identity.recipient);
    }
    return EXIT.ok;
  } catch (err) {
    return err instanceof MoorError ? reportError(ctx, err) : Promise.reject(err);
  }
}

export async function recipientVerb(ctx: CliContext, opts: { stateDir?: string }): Promise<ExitCode> {
  const stateDir = await stateDirOf(ctx, opts);
  if (stateDir === null) return EXIT.usage;
  try {
    const { identity } = await ensureIdentity(stateDir, { create: false });
    if (ctx.json) printJson(ctx, { recipient: identity.recipient });
    else ctx.out(identity.recipient);
    return EXIT.ok;
  } catch (err) {
    return err instanceof MoorError ? reportError(ctx, err) : Promise.reject(err);
  }
}
