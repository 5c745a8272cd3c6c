// `moor agent`: runs the daemon until SIGTERM or SIGINT, then drains and exits 0. The first poll
// leaves as soon as the settings are read; the rest of the agent loads while it is on the wire.

import type { DaemonHandle } from '../daemon.js';
import type { EngineTimeoutOptions } from '../executors/docker/timeouts.js';
import { StateLock } from '../state-lock.js';
import { cliLogger, EXIT, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';

export async function agentVerb(ctx: CliContext): Promise<ExitCode> {
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  const logger = cliLogger(settings, ctx.env);
  try {
    const source = (await import('../source/early-head.js')).earlyAgentSource(settings);
    const [{ createApp }, { startDaemon }, { nativeBinding }, { DEFAULT_ENGINE_TIMEOUTS }] = await Promise.all([
      import('../app.js'),
      import('../daemon.js'),
      import('../sqlite/native.js'),
      import('../executors/docker/timeouts.js'),
    ]);
    const engineTimeouts = engineTimeoutsFrom(ctx.env, DEFAULT_ENGINE_TIMEOUTS);
    // The state directory is this process's before its database is opened: another agent, or a
    // verb that finds no agent, never prepares the same file at the same moment.
    const lock = StateLock.acquire(settings.stateDir);
    let daemon: DaemonHandle;
    try {
      const app = createApp(settings, { logger, nativeBinding: nativeBinding(), engineTimeouts, engineInChild: true, loadInChild: true, ...(source ? { source } : {}) });
      daemon = await startDaemon(app, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
    const stop = (): void => void daemon.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await daemon.done;
    return EXIT.ok;
  } catch (err) {
    return reportError(ctx, err);
  }
}

/** MOOR_ENGINE_TIMEOUT_MS shortens the deadline of ordinary engine calls (drills, slow hosts). */
function engineTimeoutsFrom(env: NodeJS.ProcessEnv, defaults: EngineTimeoutOptions): EngineTimeoutOptions {
  const ms = Number(env.MOOR_ENGINE_TIMEOUT_MS);
  return Number.isInteger(ms) && ms > 0 ? { ...defaults, callMs: ms } : defaults;
}
