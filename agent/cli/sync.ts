// `moor sync`: ask the running agent to sync now and wait; `--once` fetches and applies in-process.

import { localAgent } from '../control/local-agent.js';
import type { SyncOutcome } from '../contracts/sync-outcome.js';
import type { AgentSettings } from '../settings/model.js';
import { StateLock } from '../state-lock.js';
import { cliLogger, EXIT, printJson, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';
import { formatChanges, short } from './format.js';

export async function syncVerb(ctx: CliContext, options: { once: boolean }): Promise<ExitCode> {
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  try {
    let outcome: SyncOutcome;
    if (!options.once) {
      if (!localAgent(settings).running()) {
        ctx.err(`moor: no agent is running for ${settings.stateDir}; start it, or use 'moor sync --once'`);
        return EXIT.failed;
      }
      outcome = await localAgent(settings).ask({ verb: 'sync' });
    } else {
      if (localAgent(settings).running()) {
        ctx.err(`moor: refused: an agent holds ${settings.stateDir}; use 'moor sync' to ask it instead`);
        return EXIT.failed;
      }
      const lock = StateLock.acquire(settings.stateDir);
      try {
        outcome = await syncOnce(ctx, settings);
      } finally {
        lock.release();
      }
    }
    if (ctx.json) printJson(ctx, outcome);
    else {
      ctx.out(`${outcome.result} ${short(outcome.commit)}${outcome.error ? `: ${outcome.error.message}` : ''}`);
      for (const line of formatChanges(outcome.changes, '  ')) ctx.out(line);
    }
    return syncExitCode(outcome);
  } catch (err) {
    return reportError(ctx, err);
  }
}

/** One sync in this process: the poll leaves first, the agent's parts load while it is on the wire. */
async function syncOnce(ctx: CliContext, settings: AgentSettings): Promise<SyncOutcome> {
  const source = (await import('../source/early-head.js')).earlyAgentSource(settings);
  const [{ createApp }, { nativeBinding }] = await Promise.all([import('../app.js'), import('../sqlite/native.js')]);
  const app = createApp(settings, { logger: cliLogger(settings, ctx.env), nativeBinding: nativeBinding(), ...(source ? { source } : {}) });
  try {
    app.store.markInterruptedApplies();
    return await app.reconciler.sync('manual');
  } finally {
    app.close();
  }
}

export function syncExitCode(outcome: SyncOutcome): ExitCode {
  switch (outcome.result) {
    case 'converged':
    case 'unchanged':
    case 'healed':
    case 'drift-reported':
    case 'pending':
      return EXIT.ok;
    default:
      return EXIT.failed;
  }
}
