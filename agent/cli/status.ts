// `moor status`: revision, last sync, each managed resource and its health, drift, suspension, hub.

import { createApp } from '../app.js';
import { nativeBinding } from '../native.js';
import type { StatusSnapshot } from '../reconciler/status-model.js';
import { quietLogger, EXIT, printJson, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';
import { formatStatus } from './format.js';
import { agentRunning, askAgent } from './local-agent.js';

export async function statusVerb(ctx: CliContext): Promise<ExitCode> {
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  try {
    let status: StatusSnapshot & { agent?: string };
    if (agentRunning(settings)) {
      status = { ...((await askAgent(settings, { verb: 'status' })) as StatusSnapshot), agent: 'running' };
    } else {
      const app = createApp(settings, { logger: quietLogger(), nativeBinding: nativeBinding() });
      try {
        status = { ...(await app.status.refresh()), agent: 'not running' };
      } finally {
        app.close();
      }
    }
    if (ctx.json) printJson(ctx, status);
    else ctx.out(`agent:     ${status.agent}\n${formatStatus(status)}`);
    return EXIT.ok;
  } catch (err) {
    reportError(ctx, err);
    return EXIT.ok;
  }
}
