// `moor agent`: runs the daemon until SIGTERM or SIGINT, then drains and exits 0.

import { createApp } from '../app.js';
import { startDaemon } from '../daemon.js';
import { nativeBinding } from '../sqlite/native.js';
import { DEFAULT_ENGINE_TIMEOUTS, type EngineTimeoutOptions } from '../executors/docker/timeouts.js';
import { cliLogger, EXIT, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';

export async function agentVerb(ctx: CliContext): Promise<ExitCode> {
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  const logger = cliLogger(settings, ctx.env);
  try {
    const app = createApp(settings, { logger, nativeBinding: nativeBinding(), engineTimeouts: engineTimeoutsFrom(ctx.env) });
    const daemon = await startDaemon(app);
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
function engineTimeoutsFrom(env: NodeJS.ProcessEnv): EngineTimeoutOptions {
  const ms = Number(env.MOOR_ENGINE_TIMEOUT_MS);
  return Number.isInteger(ms) && ms > 0 ? { ...DEFAULT_ENGINE_TIMEOUTS, callMs: ms } : DEFAULT_ENGINE_TIMEOUTS;
}
