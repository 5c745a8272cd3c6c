// `moor status`: revision, last sync, each managed resource and its health, drift, suspension, hub.

import { localAgent } from '../control/local-agent.js';
import type { StatusSnapshot } from '../contracts/status-model.js';
import { quietLogger, EXIT, printJson, reportError, settingsOrReport, type CliContext, type ExitCode } from './context.js';
import { formatStatus } from './format.js';

export async function statusVerb(ctx: CliContext): Promise<ExitCode> {
  const settings = await settingsOrReport(ctx);
  if (!settings) return EXIT.usage;
  try {
    let status: StatusSnapshot & { agent?: string };
    if (localAgent(settings).running()) {
      status = { ...(await localAgent(settings).ask({ verb: 'status' })), agent: 'running' };
    } else {
      // The agent's parts load only when no agent is running to ask.
      const [{ createApp }, { nativeBinding }] = await Promise.all([import('../app.js'), import('../sqlite/native.js')]);
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
    return reportError(ctx, err);
  }
}
