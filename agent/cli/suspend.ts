// `moor suspend [--for 2h] [--reason TEXT]` and `moor resume`: the break-glass pause.

import { userInfo } from 'node:os';
import { parseDuration, DURATION_HINT } from '../config-text/duration.js';
import type { Suspension } from '../reconciler/suspension.js';
import { nativeBinding } from '../sqlite/native.js';
import type { AgentSettings } from '../settings/model.js';
import { EXIT, printJson, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';
import { localAgent } from '../control/local-agent.js';

export async function suspendVerb(ctx: CliContext, options: { for: string; reason: string }): Promise<ExitCode> {
  const forMs = parseDuration(options.for);
  if (forMs === null || forMs <= 0) {
    ctx.err(`moor: --for ${options.for}: ${DURATION_HINT}`);
    return EXIT.usage;
  }
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  try {
    const result = localAgent(settings).running()
      ? await localAgent(settings).ask({ verb: 'suspend', forMs, reason: options.reason, by: localActor() })
      : await offline(settings, (s) => s.suspend(forMs, options.reason, localActor()));
    if (ctx.json) printJson(ctx, result);
    else ctx.out(`suspended until ${result.until}: ${options.reason}`);
    return EXIT.ok;
  } catch (err) {
    reportError(ctx, err);
    return EXIT.failed;
  }
}

export async function resumeVerb(ctx: CliContext): Promise<ExitCode> {
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  try {
    const result = localAgent(settings).running()
      ? await localAgent(settings).ask({ verb: 'resume', by: localActor() })
      : { resumed: await offline(settings, (s) => s.resume('resumed by an operator', localActor())) };
    if (ctx.json) printJson(ctx, result);
    else ctx.out(result.resumed ? 'resumed' : 'was not suspended');
    return EXIT.ok;
  } catch (err) {
    reportError(ctx, err);
    return EXIT.failed;
  }
}

/** `local:<user>`: who ran `moor suspend|resume` on the host itself. */
function localActor(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return `local:uid ${process.getuid?.() ?? '?'}`;
  }
}

/** Without a running agent: write the state, and queue the event for the hub in the outbox. */
async function offline<T>(settings: AgentSettings, fn: (s: Suspension) => T): Promise<T> {
  const { offlineSuspension } = await import('../app.js');
  const { suspension, close } = offlineSuspension(settings, { nativeBinding: nativeBinding() });
  try {
    return fn(suspension);
  } finally {
    close();
  }
}
