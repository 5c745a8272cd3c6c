// What every CLI verb gets: where the config is, output streams, --json, and typed exit codes.

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { describeCause, MoorError, SettingsError } from '../contracts/errors.js';
import { formatProblemLine } from './format.js';
import { oneLine } from './terminal-safe.js';
import { createLogger, type Logger } from '../logger.js';
import type { AgentSettings } from '../settings/model.js';
import { settingsSecrets } from '../settings/secret-values.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, changes: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CliContext {
  configFile: string;
  /** True when --config or MOOR_CONFIG named the file (then it must exist). */
  configGiven: boolean;
  json: boolean;
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
}

export const DEFAULT_CONFIG = '/etc/moor/agent.yaml';

export function configFileFrom(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option ?? env.MOOR_CONFIG ?? DEFAULT_CONFIG;
}

/**
 * For verbs that work without an agent.yaml (validate, plan --dir): the settings when there is
 * one, null when there is none and none was asked for, and 'invalid' (after saying why) when the
 * file is invalid or a named file does not exist: the verdict must not be about another policy.
 */
export async function optionalSettings(ctx: CliContext): Promise<AgentSettings | null | 'invalid'> {
  if (!existsSync(ctx.configFile)) {
    if (!ctx.configGiven) return null;
    const message = `${ctx.configFile}: no such file (named by --config or MOOR_CONFIG)`;
    if (ctx.json) ctx.out(JSON.stringify({ error: { code: 'CONFIG_MISSING', message } }));
    else ctx.err(`moor: ${message}`);
    return 'invalid';
  }
  return (await settingsOrReport(ctx)) ?? 'invalid';
}

/** Loads agent.yaml; on failure prints every problem and returns null (exit 2). */
export async function settingsOrReport(ctx: CliContext): Promise<AgentSettings | null> {
  try {
    const { loadSettings } = await import('../settings/load.js');
    return await loadSettings(ctx.configFile, { env: ctx.env, hostname: hostname() });
  } catch (err) {
    if (err instanceof SettingsError) {
      if (ctx.json) ctx.out(JSON.stringify({ error: err.toJSON() }));
      else for (const p of err.problems) ctx.err(formatProblemLine(p));
      return null;
    }
    if (err instanceof MoorError) {
      ctx.err(`moor: ${oneLine(err.message)}`);
      return null;
    }
    throw err;
  }
}

/**
 * The verbs' logger: human-readable lines when stderr is a terminal, JSON lines otherwise (the
 * journal, pipes); MOOR_LOG_FORMAT=json|pretty overrides. Secrets of agent.yaml never appear.
 */
export function cliLogger(settings: AgentSettings | null, env: NodeJS.ProcessEnv, isTty: boolean = process.stderr.isTTY === true): Logger {
  const format = env.MOOR_LOG_FORMAT;
  const pretty = format === 'pretty' || (format !== 'json' && isTty);
  return createLogger({ level: env.MOOR_LOG_LEVEL ?? settings?.logLevel ?? 'info', secrets: settings ? settingsSecrets(settings) : [], pretty });
}

export function quietLogger(): Logger {
  return createLogger({ level: 'warn' });
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2));
}

export function reportError(ctx: CliContext, err: unknown): ExitCode {
  const e = err instanceof MoorError ? err : null;
  if (ctx.json) printJson(ctx, { error: e ? e.toJSON() : { message: String(err) } });
  else {
    ctx.err(`moor: ${oneLine(e ? e.message : err instanceof Error ? err.message : String(err))}`);
    const cause = err instanceof Error ? err.cause : undefined;
    if (cause !== undefined) ctx.err(`  cause: ${describeCause(cause)}`);
  }
  return EXIT.failed;
}

/** The secret values of agent.yaml (read from their files): never in a log line. */
export { settingsSecrets };
